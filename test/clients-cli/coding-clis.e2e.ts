// Claude Code and Codex, installed from npm (test/clients-cli/package.json, native binaries inside the
// packages), run offline in a temporary home with telemetry and updates off: first against the Ollama test
// upstream directly (as people point them at Ollama), then through the embedded gateway with a real key —
// asserting the printed answer and the usage rows.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT_MODEL, startTarget, type Target } from '../clients/targets.js';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules', '.bin');
const REPLY = 'Hello! I am a local model.';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a CLI with only the given environment (plus PATH), no stdin; killed if it hangs. */
function run(bin: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  const file = path.join(BIN, bin);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm ci --prefix test/clients-cli first`);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A safety net, not an assertion: a CLI waiting on the network would otherwise hang the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Fresh HOME per run: the CLIs write settings, sessions and caches there. */
function tempHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'llmgw-cli-'));
}

function claudeEnv(home: string, url: string, auth: Record<string, string>): Record<string, string> {
  return {
    HOME: home,
    CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
    ANTHROPIC_BASE_URL: url,
    ...auth,
    // Background model calls (titles, summaries) go to the same local model, never to a Claude model name.
    ANTHROPIC_DEFAULT_HAIKU_MODEL: CHAT_MODEL,
    ANTHROPIC_SMALL_FAST_MODEL: CHAT_MODEL,
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_BUG_COMMAND: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
}

function codexHome(home: string, baseUrl: string): string {
  const dir = path.join(home, '.codex');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'config.toml'),
    [
      `model = "${CHAT_MODEL}"`,
      'model_provider = "llmgw"',
      'check_for_update_on_startup = false',
      '[analytics]',
      'enabled = false',
      '[feedback]',
      'enabled = false',
      '[otel]',
      'exporter = "none"',
      '[model_providers.llmgw]',
      'name = "LLM Gateway"',
      `base_url = "${baseUrl}/v1"`,
      'wire_api = "responses"',
      'env_key = "LLMGW_API_KEY"',
      '',
    ].join('\n'),
  );
  return dir;
}

describe.each(['ollama', 'embedded'] as const)('coding CLIs against %s', (kind) => {
  let t: Target;
  let home: string;

  beforeAll(async () => {
    t = await startTarget(kind);
  });
  beforeEach(() => {
    t.upstream.resetAll();
    home = tempHome();
    return () => rmSync(home, { recursive: true, force: true });
  });
  afterAll(() => t.close());

  /** Through the gateway: every row for the key is an ok row on `endpoint`, the last with the reply's 6 tokens. */
  async function expectRows(endpoint: string, id: string | null): Promise<Record<string, unknown> | null> {
    const served = t.upstream.stats.requests[`POST ${endpoint}`] ?? 0;
    expect(served).toBeGreaterThan(0);
    if (!t.harness || id === null) return null;
    const rows = (await t.harness.usageRows()).filter((r) => r.key_id === id);
    expect(rows).toHaveLength(served);
    for (const r of rows)
      expect({ endpoint: r.endpoint, outcome: r.outcome, status: Number(r.status) }).toEqual({
        endpoint,
        outcome: 'ok',
        status: 200,
      });
    const last = rows.at(-1)!;
    expect(Number(last.completion_tokens)).toBe(6);
    expect(Number(last.prompt_tokens)).toBeGreaterThan(100); // both CLIs send a long system prompt
    return last;
  }

  async function key(): Promise<{ key: string; id: string | null }> {
    if (!t.harness) return { key: t.key, id: null };
    return t.harness.createKey({ name: 'cli' });
  }

  it.each([
    ['ANTHROPIC_API_KEY', 'x-api-key'],
    ['ANTHROPIC_AUTH_TOKEN', 'authorization'],
  ])('claude -p with %s answers with the model reply', async (variable, header) => {
    const k = await key();
    const result = await run(
      'claude',
      ['-p', 'Say hello', '--model', CHAT_MODEL],
      claudeEnv(home, t.url, { [variable]: k.key }),
      home,
    );
    expect(result.stdout.trim(), result.stderr).toBe(REPLY);
    expect(result.code).toBe(0);
    await expectRows('/v1/messages', k.id);
    const seen = t.upstream.stats.lastBodies.find((b) => b.path === '/v1/messages')!;
    expect((seen.body as { model: string }).model).toBe(CHAT_MODEL);
    // Directly, Ollama sees the header the variable names; through the gateway, the row above carries the
    // key's id, which only that header held.
    if (!t.harness) expect(seen.headers[header]).toBe(header === 'authorization' ? `Bearer ${k.key}` : k.key);
  });

  it('claude -p --output-format json reports the usage the gateway recorded', async () => {
    const k = await key();
    const args = ['-p', 'Say hello', '--model', CHAT_MODEL, '--output-format', 'json'];
    const result = await run('claude', args, claudeEnv(home, t.url, { ANTHROPIC_API_KEY: k.key }), home);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as {
      result: string;
      is_error: boolean;
      usage: { input_tokens: number; output_tokens: number };
    };
    expect(out).toMatchObject({ result: REPLY, is_error: false });
    expect(out.usage.output_tokens).toBe(6);
    const row = await expectRows('/v1/messages', k.id);
    if (row) expect(out.usage.input_tokens).toBe(Number(row.prompt_tokens));
    else expect(out.usage.input_tokens).toBeGreaterThan(100);
  });

  it('codex exec with a responses provider answers with the model reply', async () => {
    const k = await key();
    const dir = codexHome(home, t.url);
    const result = await run(
      'codex',
      ['exec', '--skip-git-repo-check', 'Say hello'],
      { HOME: home, CODEX_HOME: dir, LLMGW_API_KEY: k.key },
      home,
    );
    expect(result.stdout.trim(), result.stderr).toBe(REPLY);
    expect(result.code).toBe(0);
    const row = await expectRows('/v1/responses', k.id);
    // Codex prints the response.completed usage as "tokens used\n4,976" (input + output).
    const used = /tokens used\s+([\d,]+)/.exec(result.stderr);
    expect(used, result.stderr).not.toBeNull();
    const total = Number(used![1]!.replaceAll(',', ''));
    if (row) expect(total).toBe(Number(row.prompt_tokens) + Number(row.completion_tokens));
    else expect(total).toBeGreaterThan(100);
    const seen = t.upstream.stats.lastBodies.find((b) => b.path === '/v1/responses')!;
    expect(seen.body).toMatchObject({ model: CHAT_MODEL, stream: true });
    if (!t.harness) expect(seen.headers.authorization).toBe(`Bearer ${k.key}`);
  });
});
