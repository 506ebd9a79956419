// The log search's line handling: only JSON lines whose requestId is the one asked for (not a substring match in a
// message, not another id that contains it), ordered by Docker's trimmed-nanosecond timestamps across containers.
import { describe, expect, it } from 'vitest';
import { matchesRequest, requestLinesOf, timeKey } from './request-logs.js';
import type { ContainerStatus } from './containers.js';

const container = (name: string, service: string) => ({ id: name, name, service }) as ContainerStatus;

describe('request log lines', () => {
  it('keeps the JSON lines of exactly that request id', () => {
    expect(matchesRequest('{"requestId":"abc","status":200}', 'abc')).toBe(true);
    expect(matchesRequest('{"requestId":"abcd","status":200}', 'abc')).toBe(false);
    expect(matchesRequest('{"msg":"saw abc"}', 'abc')).toBe(false);
    expect(matchesRequest('plain text abc', 'abc')).toBe(false);
    expect(matchesRequest('{"requestId":"abc"', 'abc')).toBe(false); // cut line
  });

  it('splits a container log with timestamps into the request lines, trailing CR and blanks dropped', () => {
    const text =
      '2026-12-02T13:00:00.5Z {"requestId":"r1","status":200}\r\n' +
      '2026-12-02T13:00:01.000000001Z {"requestId":"r2"}\n' +
      '\n' +
      '2026-12-02T13:00:02Z {"requestId":"r1","status":499}\n';
    const lines = requestLinesOf(text, container('llm-gateway-nginx', 'nginx'), 'r1');
    expect(lines).toEqual([
      {
        time: '2026-12-02T13:00:00.5Z',
        container: 'llm-gateway-nginx',
        service: 'nginx',
        line: '{"requestId":"r1","status":200}',
      },
      {
        time: '2026-12-02T13:00:02Z',
        container: 'llm-gateway-nginx',
        service: 'nginx',
        line: '{"requestId":"r1","status":499}',
      },
    ]);
  });

  it('orders timestamps whose fractions Docker trimmed', () => {
    const times = [
      '2026-12-02T13:00:00.5Z',
      '2026-12-02T13:00:00.123456789Z',
      '2026-12-02T13:00:00Z',
      '2026-12-02T12:59:59.9Z',
    ];
    expect([...times].sort((a, b) => (timeKey(a) < timeKey(b) ? -1 : 1))).toEqual([
      '2026-12-02T12:59:59.9Z',
      '2026-12-02T13:00:00Z',
      '2026-12-02T13:00:00.123456789Z',
      '2026-12-02T13:00:00.5Z',
    ]);
  });
});
