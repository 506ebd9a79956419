// Streaming relay: chunks reach the client as Ollama produces them, a client that leaves aborts the upstream
// and its partial usage is still recorded, and broken upstream streams end with a terminal SSE error event.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(BACKENDS)('streaming (%s)', (kind) => {
  let h: Harness;
  let key: string;
  let model: string;
  const stream = (extra: Record<string, unknown> = {}, signal?: AbortSignal) =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Tell me a story' }], stream: true, ...extra }),
      ...(signal ? { signal } : {}),
    });

  beforeAll(async () => {
    h = await startHarness({ kind, env: { UPSTREAM_IDLE_TIMEOUT_MS: 500 } });
    key = (await h.createKey({ rpm: 10_000 })).key;
    model = h.upstream.models[0]!.name;
  });
  afterEach(() => h.upstream.resetAll());
  afterAll(() => h.close());

  it('relays each chunk as it arrives, with SSE headers', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 10, chunkDelayMs: 40 };
    const response = await stream();
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('10000');
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    // A buffering proxy would hand over all ten chunks and [DONE] at once; a relay hands over the first alone.
    expect(first).not.toContain('[DONE]');
    expect(first.split('\n\n').filter(Boolean).length).toBeLessThan(5);
    let text = first;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('aborts the upstream when the client leaves and records partial usage as aborted', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 200, chunkDelayMs: 20 };
    const controller = new AbortController();
    const response = await stream({}, controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    controller.abort();
    await waitFor(() => h.upstream.stats.aborted === 1);
    await waitFor(async () => (await h.usageRows()).some((row) => row.outcome === 'aborted'));
    const row = (await h.usageRows()).find((r) => r.outcome === 'aborted')!;
    expect(Number(row.completion_tokens)).toBeGreaterThan(0);
    expect(Number(row.completion_tokens)).toBeLessThan(200);
    expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
  });

  it('ends a stalled stream with a terminal error event after the idle timeout', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'stall-mid-stream', failCount: 1 };
    const response = await stream();
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = text.trim().split('\n\n');
    const last = JSON.parse(events.at(-1)!.slice('data: '.length)) as { error: { code: string } };
    expect(last.error.code).toBe('upstream_timeout');
  });

  it('ends a malformed SSE stream with a terminal error event', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'malformed-json', failCount: 1 };
    const text = await (await stream()).text();
    const last = JSON.parse(text.trim().split('\n\n').at(-1)!.slice('data: '.length)) as { error: { code: string } };
    expect(last.error.code).toBe('upstream_error');
  });

  it('maps upstream HTTP failures before the first byte to 502/503 in the envelope', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'http500', failCount: 1 };
    const failed = await stream();
    expect(failed.status).toBe(502);
    const body = (await failed.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_error');
    expect(body.error.message).toContain('Ollama (upstream 1)');
    expect(body.error.message).not.toContain(h.upstream.url);
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'http503', failCount: 1 };
    expect((await stream()).status).toBe(503);
  });

  it('records one usage row per streamed request with the upstream token counts', async () => {
    const before = (await h.usageRows()).length;
    await (await stream()).text();
    await (await stream({ stream_options: { include_usage: true } })).text();
    const rows = await h.usageRows();
    expect(rows.length).toBe(before + 2);
    for (const row of rows.slice(-2)) {
      expect(row.outcome).toBe('ok');
      expect(Number(row.completion_tokens)).toBeGreaterThan(0);
    }
  });
});
