// View logic without a browser: formatting, snippets, chart geometry, store event handling, usage series, log
// lines, playground stream chunks and error hints.
import { describe, expect, it } from 'vitest';
import type { ControlState, PullState, UsageReport } from '../bridge/types.js';
import { filterLines, prettyLine } from '../panels/logs.js';
import { pullLine } from '../panels/models.js';
import { chatError, parseChunk } from '../panels/playground.js';
import { seriesBy } from '../panels/usage.js';
import { applyEvent, upsertPull } from '../store.js';
import { niceMax, pointsOf } from './chart.js';
import { formatBytes, formatDuration, formatEta, relativeTime } from './format.js';
import { snippet } from './snippets.js';
import { nextTheme } from './theme.js';

const pull = (over: Partial<PullState> = {}): PullState => ({
  name: 'm', phase: 'pulling', status: 'pulling x', layers: [], completed: 500_000_000, total: 1_000_000_000, percent: 50, bytesPerSecond: 10_000_000, etaSeconds: 50,
  startedAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:01Z', ...over,
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
    expect(snippet('curl', 'http://127.0.0.1:3000/', 'llmgw_k', 'llama3.2:1b')).toContain('curl http://127.0.0.1:3000/v1/chat/completions');
    expect(snippet('js', 'http://h:1', 'llmgw_k', 'm')).toContain('new OpenAI({ baseURL: "http://h:1/v1", apiKey: "llmgw_k" })');
    expect(snippet('python', 'http://h:1', 'llmgw_k', 'm')).toContain('OpenAI(base_url="http://h:1/v1", api_key="llmgw_k")');
  });
});

describe('chart geometry', () => {
  it('rounds the axis and maps values into the plot', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(130)).toBe(200);
    expect(pointsOf([0, 5, 10], 10, 100, 50)).toEqual([[0, 50], [50, 25], [100, 0]]);
    expect(pointsOf([3], 10, 100, 50)).toEqual([[50, 35]]);
  });
});

describe('store events', () => {
  const state = { pulls: [pull()], warnings: [], health: { status: 'stopped' } } as unknown as ControlState;
  it('patches status and pulls; asks for a reload on coarse changes', () => {
    expect(applyEvent(state, { type: 'status', health: { status: 'healthy' } as never }).state.health.status).toBe('healthy');
    expect(applyEvent(state, { type: 'pull-progress', pull: pull({ percent: 80 }) }).state.pulls[0]!.percent).toBe(80);
    expect(upsertPull([pull()], pull({ name: 'other' }))).toHaveLength(2);
    expect(applyEvent(state, { type: 'keys-changed' }).reload).toBe(true);
  });
});

describe('usage series', () => {
  it('one series per model with zeros where a bucket has none', () => {
    const report = { series: [{ byModel: { a: { requests: 2, tokens: 5 } }, byKey: {} }, { byModel: { b: { requests: 1, tokens: 1 } }, byKey: {} }] } as unknown as UsageReport;
    expect(seriesBy(report, 'byModel', 'requests')).toEqual([{ name: 'a', values: [2, 0] }, { name: 'b', values: [0, 1] }]);
  });
});

describe('logs', () => {
  it('pretty-prints pino lines and filters case-insensitively', () => {
    expect(prettyLine('{"level":30,"time":0,"msg":"request","status":200}')).toBe('00:00:00.000 INFO  request  status=200');
    expect(prettyLine('plain')).toBe('plain');
    expect(filterLines(['GET /a', 'POST /b'], 'post')).toEqual(['POST /b']);
  });
});

describe('playground', () => {
  it('reads deltas, usage and stream errors; maps HTTP errors to hints', () => {
    expect(parseChunk('{"choices":[{"delta":{"content":"Hi"}}]}')).toEqual({ text: 'Hi' });
    expect(parseChunk('{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}').usage).toEqual({ prompt_tokens: 3, completion_tokens: 4 });
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
