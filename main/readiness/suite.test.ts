// The whole suite against the embedded gateway with the test upstream: every check that can run passes, the
// temporary keys are revoked, progress events arrive in order; and the runner's own rules (timeouts, isolation,
// only/skip, opt-in) hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../test/support/harness.js';
import { runReadiness, selectChecks } from './runner.js';
import { ReadinessError } from './errors.js';
import type { CheckDefinition, ReadinessEvent } from './types.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ kind: 'embedded' });
});
afterAll(async () => {
  await h.close();
});

describe('the whole suite against the embedded gateway', () => {
  it('passes every check that applies, skips the rest with reasons, and leaves no active key', async () => {
    const events: ReadinessEvent[] = [];
    const report = await runReadiness({ url: h.url, adminToken: h.adminToken }, { onEvent: (e) => events.push(e) });
    const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
    const failed = report.results.filter((r) => r.status === 'fail');
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
    expect(report.ok).toBe(true);
    for (const id of [
      'services',
      'health',
      'cors',
      'cors-preflight',
      'models',
      'chat',
      'invalid-key',
      'streaming',
      'rate-limit',
      'request-size',
      'ready',
      'responses',
      'messages',
      'ollama-native',
    ]) {
      expect(byId[id]?.status, id).toBe('pass');
    }
    for (const id of ['database', 'redis', 'load-balancing', 'failover']) {
      expect(byId[id]?.status, id).toBe('skip');
      expect(byId[id]?.reason, id).toBeTruthy();
    }
    expect(byId.chat?.details.model).toBe('qwen2.5:0.5b'); // the smallest chat model, not the embedding one
    expect(report.counts).toEqual({ passed: 14, failed: 0, skipped: 4 });
    expect(report.results.every((r) => r.durationMs >= 0)).toBe(true);

    // Progress: run-start, then start/end per check in order, then run-end.
    expect(events[0]?.type).toBe('run-start');
    expect(events.at(-1)?.type).toBe('run-end');
    const perCheck = events.filter((e) => e.type === 'check-start' || e.type === 'check-end');
    expect(perCheck).toHaveLength(36);
    expect(perCheck.map((e) => e.type).slice(0, 4)).toEqual(['check-start', 'check-end', 'check-start', 'check-end']);

    // Nothing left behind: the run's key, the rate-limit key and the native check's one-model key are all revoked.
    expect(report.cleanup.keysCreated).toBe(3);
    expect(report.cleanup.keysRevoked).toBe(3);
    const keys = (await (await h.admin('GET', '/admin/keys')).json()) as {
      data: Array<{ name: string; status: string }>;
    };
    const mine = keys.data.filter((k) => k.name.startsWith('readiness-'));
    expect(mine).toHaveLength(3);
    expect(mine.every((k) => k.status === 'revoked')).toBe(true);
  });

  it('uses an existing --key without creating one, and skips the rate-limit check without an admin token', async () => {
    const created = await h.createKey({ name: 'existing' });
    const report = await runReadiness({ url: h.url, key: created.key, only: ['models', 'chat', 'rate-limit'] });
    expect(report.results.map((r) => [r.id, r.status])).toEqual([
      ['models', 'pass'],
      ['chat', 'pass'],
      ['rate-limit', 'skip'],
    ]);
    expect(report.results[2]?.reason).toMatch(/admin token/);
    expect(report.cleanup.keysCreated).toBe(0);
  });

  it('fails key-needing checks with no_key (and says what to do) when neither key nor admin token is given', async () => {
    const report = await runReadiness({ url: h.url, only: ['health', 'models'] });
    expect(report.results[0]?.status).toBe('pass');
    expect(report.results[1]).toMatchObject({ status: 'fail', code: 'no_key' });
    expect(report.results[1]?.fix).toMatch(/--key/);
  });

  it('runs the disruptive failover check only when asked; without a stack it is skipped with a reason', async () => {
    const plain = await runReadiness({ url: h.url, only: ['health', 'failover'], skip: ['health'] });
    expect(plain.results).toHaveLength(1);
    expect(plain.results[0]?.reason).toMatch(/Docker stack/); // named in --only: opted in, but no stack
    const all = await runReadiness({
      url: h.url,
      skip: ['2', '3', '4', '5', '6', '9', '10', '11', '12', '13', '14', '15', '16', '17'],
    });
    expect(all.results.find((r) => r.id === 'failover')?.reason).toMatch(/--failover/);
  });
});

describe('the runner', () => {
  const check = (id: string, number: number, run: CheckDefinition['run'], timeoutMs?: number): CheckDefinition => ({
    id,
    number,
    title: id,
    run,
    ...(timeoutMs ? { timeoutMs } : {}),
  });

  it('times a slow check out, survives a crashing one, and still runs the rest', async () => {
    // Event-ordered, not timed: the slow check never settles; its timeout aborts it before the next one starts.
    const order: string[] = [];
    const checks = [
      check(
        'slow',
        1,
        (ctx) => new Promise(() => ctx.signal.addEventListener('abort', () => order.push('slow aborted'))),
        100,
      ),
      check('crash', 2, () => {
        order.push('crash started');
        return Promise.reject(new Error('boom'));
      }),
      check('coded', 3, () => Promise.reject(new ReadinessError('no_chat_model', 'nothing installed'))),
      check('fine', 4, async () => ({ status: 'pass', summary: 'ok' })),
    ];
    const report = await runReadiness({ url: h.url }, { checks });
    expect(report.results.map((r) => [r.id, r.status, r.code])).toEqual([
      ['slow', 'fail', 'timeout'],
      ['crash', 'fail', 'crashed'],
      ['coded', 'fail', 'no_chat_model'],
      ['fine', 'pass', undefined],
    ]);
    expect(order).toEqual(['slow aborted', 'crash started']);
    expect(report.results[2]?.fix).toMatch(/ollama pull/);
    expect(report.ok).toBe(false);
  });

  it('selects by id or number and rejects unknown names with the list of checks', () => {
    expect(selectChecks({ only: ['health', '14'] }).selected.map((c) => c.id)).toEqual(['health', 'ready']);
    expect(selectChecks({ skip: ['1', 'chat'] }).selected.map((c) => c.id)).not.toContain('chat');
    expect(() => selectChecks({ only: ['nope'] })).toThrow(/Unknown check 'nope'.*1=services/);
  });

  it('reports an unreachable gateway on every check, none hidden', async () => {
    const report = await runReadiness({
      url: 'http://127.0.0.1:9',
      adminToken: 'x'.repeat(24),
      only: ['health', 'models', 'invalid-key'],
    });
    expect(report.results.map((r) => [r.status, r.code])).toEqual([
      ['fail', 'unreachable'],
      ['fail', 'unreachable'],
      ['fail', 'unreachable'],
    ]);
    expect(report.results[0]?.fix).toMatch(/--url/);
  });
});
