// Issue 14, part 4: a deeply nested body is a 400 before admission (it used to overflow JSON.stringify after the
// admission: a 500 whose token reservation was never settled); nesting as deep as real requests go still passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';

describe.each(BACKENDS)('deep JSON (%s)', (kind) => {
  let h: Harness;
  let key: string;
  beforeAll(async () => {
    h = await startHarness({ kind });
    key = (await h.createKey({ rpm: 3, max_concurrent: 1 })).key;
  });
  afterAll(() => h.close());

  const post = (body: string) =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });

  it('answers 400 for a body nested 100,000 deep, without admitting it (no RPM used, no slot held)', async () => {
    const model = h.upstream.models[0]!.name;
    const deep = `{"model":"${model}","stream":true,"messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    for (let i = 0; i < 5; i++) {
      const response = await post(deep);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain('nested deeper');
    }
    // Five refusals took nothing from the key's 3 RPM: three requests still pass (and settle: max_concurrent 1).
    const ok = JSON.stringify({ model, messages: [{ role: 'user', content: 'hi "[[[" in a string' }], x: [[[[1]]]] });
    for (let i = 0; i < 3; i++) expect((await post(ok)).status).toBe(200);
  });
});
