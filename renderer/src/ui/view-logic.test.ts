// View logic without a browser: formatting, snippets, chart geometry, store event handling, usage series, log
// lines, playground stream chunks and error hints.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ControlState, PullState, UsageReport } from '../bridge/types.js';
import { filterLines, prettyLine } from '../panels/logs.js';
import { pullLine } from '../panels/models.js';
import { chatError, parseChunk } from '../panels/playground.js';
import { seriesBy } from '../panels/usage.js';
import { applyEvent, upsertPull } from '../store.js';
import { niceMax, pointsOf } from './chart.js';
import { formatBytes, formatDuration, formatEta, relativeTime } from './format.js';
import { CLIENTS, shellWord, snippet } from './snippets.js';
import { nextTheme } from './theme.js';

const pull = (over: Partial<PullState> = {}): PullState => ({
  name: 'm',
  phase: 'pulling',
  status: 'pulling x',
  layers: [],
  completed: 500_000_000,
  total: 1_000_000_000,
  percent: 50,
  bytesPerSecond: 10_000_000,
  etaSeconds: 50,
  startedAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:01Z',
  ...over,
});

describe('format', () => {
  it('sizes, durations, ETAs and relative times read naturally', () => {
    expect(formatBytes(1_321_098_329)).toBe('1.3 GB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatDuration(75)).toBe('1m 15s');
    expect(formatDuration(7260)).toBe('2h 01m');
    expect(formatEta(null)).toBe('ETA unknown');
    expect(relativeTime(null)).toBe('never');
    expect(relativeTime('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:02:00Z'))).toBe('2m 00s ago');
  });

  it('a pull line shows percent, speed and ETA', () => {
    expect(pullLine(pull())).toBe('50.0% · 500 MB of 1.0 GB · 10.0 MB/s · 50s left');
    expect(pullLine(pull({ phase: 'failed', error: 'manifest missing' }))).toBe('Failed: manifest missing');
  });
});

describe('snippets', () => {
  it('fill base URL, key and model', () => {
    expect(snippet('curl', 'http://127.0.0.1:3000/', 'llmgw_k', 'llama3.2:1b')).toContain(
      'curl http://127.0.0.1:3000/v1/chat/completions',
    );
    expect(snippet('js', 'http://h:1', 'llmgw_k', 'm')).toContain(
      'new OpenAI({ baseURL: "http://h:1/v1", apiKey: "llmgw_k" })',
    );
    expect(snippet('python', 'http://h:1', 'llmgw_k', 'm')).toContain(
      'OpenAI(base_url="http://h:1/v1", api_key="llmgw_k")',
    );
  });

  it('every client has a label, a hint and a snippet carrying the key and the model', () => {
    expect(CLIENTS.map((c) => c.id)).toEqual([
      'claude-code',
      'codex',
      'open-webui',
      'ollama-js',
      'curl',
      'js',
      'python',
    ]);
    for (const c of CLIENTS) {
      const text = snippet(c.id, 'http://127.0.0.1:3000', 'llmgw_abc', 'qwen2.5:0.5b');
      expect(text, c.id).toContain('llmgw_abc');
      expect(text, c.id).toContain('qwen2.5:0.5b');
      expect(c.label && c.hint, c.id).toBeTruthy();
    }
  });

  it('Claude Code: the gateway as ANTHROPIC_BASE_URL (no /v1), the key as ANTHROPIC_AUTH_TOKEN, claude --model', () => {
    expect(snippet('claude-code', 'http://127.0.0.1:3000/', 'llmgw_k', 'llama3.2:1b').split('\n')).toEqual([
      'export ANTHROPIC_BASE_URL=http://127.0.0.1:3000',
      'export ANTHROPIC_AUTH_TOKEN=llmgw_k',
      'export ANTHROPIC_API_KEY=""  # empty: use the token above, not a stored Anthropic key',
      'claude --model llama3.2:1b',
    ]);
    // The placeholder stays a variable reference; odd model names are quoted for the shell.
    expect(snippet('claude-code', 'http://h:1', '$LLMGW_KEY', "it's")).toContain(
      `export ANTHROPIC_AUTH_TOKEN="$LLMGW_KEY"\nexport ANTHROPIC_API_KEY=""`,
    );
    expect(snippet('claude-code', 'http://h:1', 'k', "it's")).toContain(`claude --model 'it'\\''s'`);
  });

  it('Codex CLI: a config.toml provider on <gateway>/v1 with wire_api = "responses" and env_key, then the key exported', () => {
    const text = snippet('codex', 'http://127.0.0.1:3000', 'llmgw_k', 'llama3.2:1b');
    expect(text).toContain(
      [
        'model = "llama3.2:1b"',
        'model_provider = "llmgw"',
        '',
        '[model_providers.llmgw]',
        'name = "LLM Gateway"',
        'base_url = "http://127.0.0.1:3000/v1"',
        'wire_api = "responses"',
        'env_key = "LLMGW_API_KEY"',
      ].join('\n'),
    );
    expect(text).toMatch(/\nexport LLMGW_API_KEY=llmgw_k\ncodex$/);
  });

  it('Open WebUI: the Ollama connection on the gateway root with a Bearer key, the OpenAI one on /v1', () => {
    const text = snippet('open-webui', 'http://127.0.0.1:3000', 'llmgw_k', 'm');
    expect(text).toMatch(
      /Ollama API connection\n {2}URL: {2}http:\/\/127\.0\.0\.1:3000\n {2}Auth: Bearer\n {2}Key: {2}llmgw_k/,
    );
    expect(text).toMatch(/OpenAI API connection\n {2}URL: {2}http:\/\/127\.0\.0\.1:3000\/v1\n {2}Key: {2}llmgw_k/);
  });

  it('the ollama client: host is the gateway root, the key in an Authorization header', () => {
    const text = snippet('ollama-js', 'http://127.0.0.1:3000/', 'llmgw_k', 'm');
    expect(text).toContain(
      'new Ollama({\n  host: "http://127.0.0.1:3000",\n  headers: { Authorization: "Bearer llmgw_k" },\n});',
    );
    expect(text).toContain('model: "m"');
  });

  it('the shell lines really set what the CLIs read (run in bash, with the CLIs stood in by functions)', () => {
    const probe = (text: string, cli: string) =>
      execFileSync(
        'bash',
        [
          '-c',
          `${cli}() { env | grep -E '^(ANTHROPIC|LLMGW)_' | sort; echo "args=$*"; }\n${text
            .split('\n')
            .filter((l) => !/^[#[]|^\w+ = |^$/.test(l))
            .join('\n')}`,
        ],
        { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
      );
    expect(
      probe(snippet('claude-code', 'http://127.0.0.1:3000', 'llmgw_k', "odd 'model'"), 'claude').split('\n'),
    ).toEqual([
      'ANTHROPIC_API_KEY=',
      'ANTHROPIC_AUTH_TOKEN=llmgw_k',
      'ANTHROPIC_BASE_URL=http://127.0.0.1:3000',
      "args=--model odd 'model'",
      '',
    ]);
    expect(probe(snippet('codex', 'http://127.0.0.1:3000', 'llmgw_k', 'm'), 'codex')).toBe(
      'LLMGW_API_KEY=llmgw_k\nargs=\n',
    );
  });

  it('shell words: plain ones stay, anything else is single-quoted', () => {
    expect(shellWord('llama3.2:1b')).toBe('llama3.2:1b');
    expect(shellWord('a b')).toBe("'a b'");
    expect(shellWord('$(rm -rf /)')).toBe("'$(rm -rf /)'");
  });
});

describe('chart geometry', () => {
  it('rounds the axis and maps values into the plot', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(130)).toBe(200);
    expect(pointsOf([0, 5, 10], 10, 100, 50)).toEqual([
      [0, 50],
      [50, 25],
      [100, 0],
    ]);
    expect(pointsOf([3], 10, 100, 50)).toEqual([[50, 35]]);
  });
});

describe('store events', () => {
  const state = { pulls: [pull()], warnings: [], health: { status: 'stopped' } } as unknown as ControlState;
  it('patches status and pulls; asks for a reload on coarse changes', () => {
    expect(applyEvent(state, { type: 'status', health: { status: 'healthy' } as never }).state.health.status).toBe(
      'healthy',
    );
    expect(applyEvent(state, { type: 'pull-progress', pull: pull({ percent: 80 }) }).state.pulls[0]!.percent).toBe(80);
    expect(upsertPull([pull()], pull({ name: 'other' }))).toHaveLength(2);
    expect(applyEvent(state, { type: 'keys-changed' }).reload).toBe(true);
  });
});

describe('usage series', () => {
  it('one series per model with zeros where a bucket has none', () => {
    const report = {
      series: [
        { byModel: { a: { requests: 2, tokens: 5 } }, byKey: {} },
        { byModel: { b: { requests: 1, tokens: 1 } }, byKey: {} },
      ],
    } as unknown as UsageReport;
    expect(seriesBy(report, 'byModel', 'requests')).toEqual([
      { name: 'a', values: [2, 0] },
      { name: 'b', values: [0, 1] },
    ]);
  });
});

describe('logs', () => {
  it('pretty-prints pino lines and filters case-insensitively', () => {
    expect(prettyLine('{"level":30,"time":0,"msg":"request","status":200}')).toBe(
      '00:00:00.000 INFO  request  status=200',
    );
    expect(prettyLine('plain')).toBe('plain');
    expect(filterLines(['GET /a', 'POST /b'], 'post')).toEqual(['POST /b']);
  });
});

describe('playground', () => {
  it('reads deltas, usage and stream errors; maps HTTP errors to hints', () => {
    expect(parseChunk('{"choices":[{"delta":{"content":"Hi"}}]}')).toEqual({ text: 'Hi' });
    expect(parseChunk('{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}').usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
    });
    expect(parseChunk('{"error":{"message":"upstream died"}}').error).toBe('upstream died');
    const e = chatError(401, { error: { message: 'Invalid API key', code: 'invalid_api_key' } });
    expect(e.code).toBe('invalid_api_key');
    expect(e.hint).toMatch(/revoked/);
  });

  it('the theme toggle cycles auto → light → dark', () => {
    expect(nextTheme('auto')).toBe('light');
    expect(nextTheme('dark')).toBe('auto');
  });
});
