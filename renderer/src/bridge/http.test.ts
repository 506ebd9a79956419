// The HTTP bridge client with a fake fetch: the token travels as a header, results pass through, transport
// failures become typed errors with a hint, and SSE events reach every listener.
import { describe, expect, it } from 'vitest';
import { createHttpBridge, TOKEN_HEADER } from './http.js';
import { SseParser } from './sse.js';
import { takeToken } from './token.js';

function sseBody(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      c.close();
    },
  });
}

describe('createHttpBridge', () => {
  it('POSTs the input with the token header and returns the BridgeResult', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const bridge = createHttpBridge({
      token: 'tok',
      fetch: (async (url: string, init: RequestInit) => {
        seen.push({ url, init });
        return new Response(JSON.stringify({ ok: true, value: { n: 1 } }));
      }) as typeof fetch,
    });
    expect(await bridge.invoke('keys.revoke', { id: 'k1' })).toEqual({ ok: true, value: { n: 1 } });
    expect(seen[0]!.url).toBe('/api/op/keys.revoke');
    expect((seen[0]!.init.headers as Record<string, string>)[TOKEN_HEADER]).toBe('tok');
    expect(seen[0]!.init.body).toBe('{"id":"k1"}');
  });

  it('passes typed errors through and turns transport failures into errors with a hint', async () => {
    const refused = createHttpBridge({
      token: 't',
      fetch: (async () =>
        new Response(
          JSON.stringify({ ok: false, error: { code: 'forbidden_sender', message: 'no', hint: 'open the URL' } }),
          { status: 401 },
        )) as typeof fetch,
    });
    expect(await refused.invoke('state.get')).toMatchObject({
      ok: false,
      error: { code: 'forbidden_sender', hint: 'open the URL' },
    });
    const down = createHttpBridge({
      token: 't',
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as typeof fetch,
    });
    expect(await down.invoke('state.get')).toMatchObject({
      ok: false,
      error: {
        code: 'internal',
        message: expect.stringContaining('Failed to fetch'),
        hint: expect.stringContaining('serve'),
      },
    });
    const html = createHttpBridge({
      token: 't',
      fetch: (async () => new Response('<html>', { status: 502 })) as typeof fetch,
    });
    expect(await html.invoke('state.get')).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('502') },
    });
  });

  it('delivers SSE events to listeners and reconnects after the stream ends', async () => {
    let connects = 0;
    const connected: boolean[] = [];
    const bridge = createHttpBridge({
      token: 't',
      backoffMs: [1],
      onConnection: (c) => connected.push(c),
      fetch: (async (_url: string, init: RequestInit) => {
        connects += 1;
        expect((init.headers as Record<string, string>)[TOKEN_HEADER]).toBe('t');
        return new Response(sseBody([': hi\n\n', 'data: {"type":"keys-', 'changed"}\n\n', 'data: not json\n\n']));
      }) as typeof fetch,
    });
    const events: unknown[] = [];
    const off = bridge.onEvent((e) => events.push(e));
    await new Promise((r) => setTimeout(r, 50));
    off();
    expect(events[0]).toEqual({ type: 'keys-changed' });
    expect(connects).toBeGreaterThan(1);
    expect(connected).toContain(true);
    expect(connected).toContain(false);
  });
});

describe('SseParser', () => {
  it('joins split chunks, ignores comments, handles CRLF and multi-line data', () => {
    const p = new SseParser();
    expect(p.push('data: a')).toEqual([]);
    expect(p.push('bc\r\n\r\n: ping\n\ndata: 1\ndata: 2\n\n')).toEqual(['abc', '1\n2']);
  });
});

describe('takeToken', () => {
  it('reads #token=…, stores it and removes it from the URL; later loads use the stored one', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
    };
    let replaced = '';
    const token = takeToken({
      location: { hash: '#token=abcdefghijklmnop_-12', pathname: '/', search: '' },
      storage,
      replaceUrl: (u) => (replaced = u),
    });
    expect(token).toBe('abcdefghijklmnop_-12');
    expect(replaced).toBe('/#/overview');
    expect(
      takeToken({ location: { hash: '#/keys', pathname: '/', search: '' }, storage, replaceUrl: () => undefined }),
    ).toBe('abcdefghijklmnop_-12');
    expect(
      takeToken({
        location: { hash: '#token=short', pathname: '/', search: '' },
        storage: { getItem: () => null, setItem: () => undefined },
        replaceUrl: () => undefined,
      }),
    ).toBeNull();
  });
});
