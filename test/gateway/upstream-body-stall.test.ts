// Regression (fault suite, scenario 7): a non-streaming answer whose body stalls after the headers must end in
// 504 upstream_timeout within the idle timeout (it was a 500 internal_error), and its usage row says so.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { startHarness } from '../support/harness.js';

let upstream: OllamaUpstream;
beforeAll(async () => {
  upstream = await startOllamaUpstream();
});
afterAll(async () => {
  await upstream.close();
});

it('maps a body that stalls mid-answer to 504 upstream_timeout', async () => {
  const h = await startHarness({ kind: 'embedded', upstream, env: { UPSTREAM_IDLE_TIMEOUT_MS: 500 } });
  try {
    const { key } = await h.createKey({ rpm: 1000 });
    const call = () =>
      fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: upstream.models[0]!.name, messages: [{ role: 'user', content: 'hi' }] }),
      });
    upstream.behaviour.failWith = 'stall-mid-stream';
    upstream.behaviour.failCount = 1;
    // Only the 500 ms idle timer can end this call: the first-byte and whole-response timeouts (defaults 300 s and
    // 540 s) lie far past the test timeout, so a gateway that stopped watching body idleness would hang here and
    // fail the test by its timeout.
    const stalled = await call();
    expect(stalled.status).toBe(504);
    expect(((await stalled.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    expect((await call()).status).toBe(200); // the next one is fine again
  } finally {
    await h.close();
  }
});
