// Pull manager against the Ollama-compatible test upstream: aggregated progress, cancel, resume, duplicate refusal,
// the parallel cap and failures.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../../../test/fixtures/ollama-upstream/index.js';
import { ControlError } from '../errors.js';
import { OllamaClient } from './ollama-client.js';
import { PullManager } from './pull-manager.js';
import type { PullState } from './pull-progress.js';

let upstream: OllamaUpstream;
let managers: PullManager[] = [];

beforeAll(async () => {
  upstream = await startOllamaUpstream();
});
afterAll(() => upstream.close());
afterEach(() => {
  for (const m of managers) m.close();
  managers = [];
  upstream.resetAll();
});

function manager(options: ConstructorParameters<typeof PullManager>[1] = {}) {
  const events: PullState[] = [];
  const installed: string[] = [];
  const m = new PullManager(new OllamaClient(upstream.url), {
    progressIntervalMs: 0,
    onChange: (s) => events.push(s),
    onInstalled: (n) => installed.push(n),
    ...options,
  });
  managers.push(m);
  return { m, events, installed };
}

const until = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('PullManager', () => {
  it('aggregates layer progress into one rising percentage that ends at 100 and installs the model', async () => {
    upstream.behaviour.pullSteps = 5;
    const { m, events, installed } = manager();
    m.start('llama3.2:3b');
    const final = await m.wait('llama3.2:3b');
    expect(final.phase).toBe('done');
    expect(final.percent).toBe(100);
    expect(final.layers).toHaveLength(3);
    // The layers add up to the model's size.
    expect(final.total).toBe(2_019_393_189);
    expect(final.completed).toBe(final.total);
    const percents = events.filter((e) => e.phase === 'pulling').map((e) => e.percent);
    expect(percents.length).toBeGreaterThan(5);
    for (let i = 1; i < percents.length; i += 1) expect(percents[i]!).toBeGreaterThanOrEqual(percents[i - 1]!);
    expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
    expect(installed).toEqual(['llama3.2:3b']);
    expect(upstream.models.some((x) => x.name === 'llama3.2:3b')).toBe(true);
  });

  it('understands a pasted `ollama pull NAME` and `ollama run NAME`', async () => {
    const { m } = manager();
    expect(m.start('ollama pull llama3.2:3b').name).toBe('llama3.2:3b');
    expect((await m.wait('llama3.2:3b')).phase).toBe('done');
    expect(m.start('$ ollama run qwen2.5:7b "hello there"').name).toBe('qwen2.5:7b');
    expect((await m.wait('qwen2.5:7b')).phase).toBe('done');
  });

  it('refuses a duplicate pull with a typed error, also under another spelling of the name', async () => {
    upstream.behaviour.pullStepDelayMs = 20;
    const { m } = manager();
    m.start('phi3:mini');
    for (const again of ['phi3:mini', 'ollama pull PHI3:mini']) {
      const err = (() => {
        try {
          m.start(again);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ControlError);
      expect((err as ControlError).code).toBe('pull_in_progress');
    }
    m.cancel('phi3:mini');
  });

  it('cancels by aborting the request, and a second pull resumes where the first stopped', async () => {
    upstream.behaviour.pullSteps = 50;
    upstream.behaviour.pullStepDelayMs = 15;
    const { m } = manager();
    m.start('mistral:7b');
    await until(() => (m.get('mistral:7b')?.percent ?? 0) > 10);
    const cancelled = m.cancel('mistral:7b');
    expect(cancelled.phase).toBe('cancelled');
    const final = await m.wait('mistral:7b');
    expect(final.phase).toBe('cancelled');
    const stoppedAt = final.completed;
    await until(() => upstream.stats.openConnections === 0 || upstream.stats.aborted > 0);
    expect(upstream.stats.aborted).toBeGreaterThanOrEqual(1);
    expect(upstream.models.some((x) => x.name === 'mistral:7b')).toBe(false);

    upstream.behaviour.pullStepDelayMs = 0;
    const resumed: PullState[] = [];
    const { m: m2 } = manager({ onChange: (s) => resumed.push(s) });
    m2.start('mistral:7b');
    const done = await m2.wait('mistral:7b');
    expect(done.phase).toBe('done');
    const first = resumed.find((s) => s.layers.length > 0)!;
    // The very first progress line already reports the bytes downloaded before the cancel.
    expect(first.completed).toBeGreaterThan(0);
    expect(first.completed).toBeLessThanOrEqual(stoppedAt + first.layers[0]!.total);
  });

  it('runs at most N pulls at once and queues the rest in order', async () => {
    upstream.behaviour.pullSteps = 10;
    upstream.behaviour.pullStepDelayMs = 10;
    const { m, events } = manager({ maxParallel: 2 });
    let peak = 0;
    const names = ['a-one:1b', 'a-two:1b', 'a-three:1b', 'a-four:1b'];
    for (const name of names) m.start(name);
    expect(m.list().map((p) => p.phase)).toEqual(['pulling', 'pulling', 'queued', 'queued']);
    const sampler = setInterval(() => (peak = Math.max(peak, m.active)), 2);
    const finals = await Promise.all(names.map((n) => m.wait(n)));
    clearInterval(sampler);
    expect(finals.every((f) => f.phase === 'done')).toBe(true);
    expect(peak).toBeLessThanOrEqual(2);
    // Queued pulls start in the order they were asked for.
    const starts = events
      .filter((e) => e.phase === 'pulling')
      .map((e) => e.name)
      .filter((n, i, all) => all.indexOf(n) === i);
    expect(starts).toEqual(names);
  });

  it('cancels a queued pull without ever contacting Ollama for it', async () => {
    upstream.behaviour.pullStepDelayMs = 20;
    const { m } = manager({ maxParallel: 1 });
    m.start('first-model:1b');
    m.start('second-model:1b');
    expect(m.cancel('second-model:1b').phase).toBe('cancelled');
    m.cancel('first-model:1b');
    await m.wait('first-model:1b');
    expect(upstream.stats.requests['POST /api/pull'] ?? 0).toBeLessThanOrEqual(1);
  });

  it("reports Ollama's error for an unknown model as a failed pull", async () => {
    const { m } = manager();
    m.start('missing-model:7b');
    const final = await m.wait('missing-model:7b');
    expect(final.phase).toBe('failed');
    expect(final.error).toMatch(/file does not exist/);
  });

  it('refuses nonsense with bad_model_name and cancel of an unknown pull with pull_not_found', () => {
    const { m } = manager();
    expect(() => m.start('ollama list')).toThrow(expect.objectContaining({ code: 'bad_model_name' }));
    expect(() => m.start('two words')).toThrow(expect.objectContaining({ code: 'bad_model_name' }));
    expect(() => m.cancel('nothing:here')).toThrow(expect.objectContaining({ code: 'pull_not_found' }));
  });
});
