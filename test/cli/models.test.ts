// `llm-gateway models …` as a process against the Ollama-compatible test upstream: list/show/ps read what Ollama
// reports, pull streams progress (plain lines off a terminal, NDJSON with --json), Ctrl-C (SIGINT) cancels with
// exit 130 and the next pull resumes from the bytes already downloaded, rm deletes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { assertBuilt, finished, runCli, spawnCli, tempHome } from './run-cli.js';

describe('llm-gateway models', { timeout: 90_000 }, () => {
  let upstream: OllamaUpstream;
  let home: ReturnType<typeof tempHome>;
  const env = () => ({ LLMGW_HOME: home.home });

  beforeAll(async () => {
    assertBuilt();
    upstream = await startOllamaUpstream();
    home = tempHome(upstream.url);
  });
  afterAll(async () => {
    await upstream.close();
    home.remove();
  });
  beforeEach(() => upstream.resetAll());

  it('list --json and the table show what Ollama has installed', async () => {
    const json = await runCli(['models', 'list', '--json'], env());
    expect(json.code, json.stderr).toBe(0);
    const models = JSON.parse(json.stdout) as Array<{ name: string; size: number; contextLength: number | null }>;
    expect(models.map((m) => m.name).sort()).toEqual(upstream.models.map((m) => m.name).sort());
    expect(models.find((m) => m.name === 'llama3.2:1b')!.contextLength).toBe(131_072);

    const table = await runCli(['models', 'ls'], env());
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SIZE\s+PARAMS\s+QUANT\s+CONTEXT\s+LOADED\s+MODIFIED$/);
    expect(lines.find((l) => l.startsWith('llama3.2:1b'))).toMatch(/1\.3 GB\s+1\.2B\s+Q8_0\s+131072/);
    expect(table.stdout).not.toContain('\u001b['); // not a terminal: no colour
  });

  it('show prints one model; an unknown one exits 5 and says how to get it', async () => {
    const shown = await runCli(['models', 'show', 'llama3.2:1b', '--json'], env());
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: 'llama3.2:1b', parameterSize: '1.2B', loaded: false });
    const text = await runCli(['models', 'show', 'llama3.2:1b'], env());
    expect(text.stdout).toMatch(/^context length: +131072$/m);

    const missing = await runCli(['models', 'show', 'nosuch:7b'], env());
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('nosuch:7b is not installed.');
    expect(missing.stderr).toContain('llm-gateway models pull nosuch:7b');
  });

  it('ps lists only the models loaded in memory', async () => {
    const empty = await runCli(['models', 'ps', '--json'], env());
    expect(JSON.parse(empty.stdout)).toEqual([]);
    const generated = await fetch(`${upstream.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: 'qwen2.5:0.5b', prompt: 'hi', stream: false }),
    });
    expect(generated.status).toBe(200);
    const loaded = await runCli(['models', 'ps', '--json'], env());
    expect((JSON.parse(loaded.stdout) as Array<{ name: string }>).map((m) => m.name)).toEqual(['qwen2.5:0.5b']);
  });

  it('pull off a terminal prints plain progress lines, then the model is installed', async () => {
    upstream.behaviour = { ...upstream.behaviour, pullSteps: 10, pullStepDelayMs: 30 };
    const result = await runCli(['models', 'pull', 'qwen3:0.6b'], env());
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.some((l) => /^qwen3:0\.6b: pulling \d+\.\d%/.test(l))).toBe(true);
    expect(result.stdout).not.toContain('\r');
    expect(lines.at(-1)).toMatch(/^qwen3:0\.6b: pulled \(/);
    expect(upstream.models.map((m) => m.name)).toContain('qwen3:0.6b');
  });

  it('pull --json prints NDJSON progress events and a result', async () => {
    upstream.behaviour = { ...upstream.behaviour, pullSteps: 5, pullStepDelayMs: 20 };
    const result = await runCli(['models', 'pull', 'qwen3:0.6b', '--json'], env());
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; pull: { phase: string; percent: number } });
    expect(events.at(-1)).toMatchObject({ type: 'result', pull: { phase: 'done', percent: 100 } });
    const percents = events.filter((e) => e.type === 'pull-progress').map((e) => e.pull.percent);
    expect(percents.length).toBeGreaterThan(1);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents); // never goes back
  });

  it("a name Ollama's registry does not have fails with its message, exit 1", async () => {
    const result = await runCli(['models', 'pull', 'missing-model:1b'], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('file does not exist');
  });

  it('a failed pull of a near miss names the catalog entries people pull instead', async () => {
    // The registry has no such tag (Ollama: "file does not exist"); the catalog knows the family's real tags.
    upstream.behaviour = { ...upstream.behaviour, unknownPullNames: ['qwen3:99b'] };
    const result = await runCli(['models', 'pull', 'qwen3:99b'], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Models people pull: .*qwen3:8b/);
  });

  it('SIGINT cancels the pull (exit 130); the next pull resumes from the bytes already downloaded', async () => {
    upstream.behaviour = { ...upstream.behaviour, pullSteps: 200, pullStepDelayMs: 25 };
    const child = spawnCli(['models', 'pull', 'qwen3:0.6b', '--json'], env());
    const done = finished(child);
    let seen = 0;
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const event = JSON.parse(line) as { pull: { percent: number } };
          if (event.pull.percent >= 5 && seen === 0) {
            seen = event.pull.percent;
            resolve();
          }
        }
      });
    });
    child.kill('SIGINT');
    const cancelled = await done;
    expect(cancelled.code, cancelled.stderr).toBe(130);
    expect(cancelled.stderr).toContain('was cancelled');
    expect(cancelled.stderr).toContain('llm-gateway models pull qwen3:0.6b');
    const last = JSON.parse(cancelled.stdout.trim().split('\n').at(-1)!) as {
      pull: { phase: string; percent: number };
    };
    expect(last.pull.phase).toBe('cancelled');
    expect(upstream.models.map((m) => m.name)).not.toContain('qwen3:0.6b');

    upstream.behaviour = { ...upstream.behaviour, pullSteps: 200, pullStepDelayMs: 1 };
    const resumed = await runCli(['models', 'pull', 'qwen3:0.6b', '--json'], env());
    expect(resumed.code, resumed.stderr).toBe(0);
    const first = resumed.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { pull: { completed: number; percent: number } })
      .find((e) => e.pull.completed > 0)!;
    // The first bytes reported are the resume point, not a fresh start.
    expect(first.pull.percent).toBeGreaterThanOrEqual(seen);
    expect(upstream.models.map((m) => m.name)).toContain('qwen3:0.6b');
  });

  it('rm deletes an installed model; deleting it again exits 5', async () => {
    const removed = await runCli(['models', 'rm', 'qwen2.5:0.5b'], env());
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.trim()).toBe('deleted qwen2.5:0.5b');
    expect(upstream.models.map((m) => m.name)).not.toContain('qwen2.5:0.5b');
    const again = await runCli(['models', 'rm', 'qwen2.5:0.5b'], env());
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('llm-gateway models list');
  });
});
