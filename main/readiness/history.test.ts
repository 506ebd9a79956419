// The results history (last 50 runs, validated on load, a bad file reset with a warning), changedSince(),
// the reporters (human lines and summary, JUnit XML), the model choice and the stack.env helpers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { changedSince, ReadinessHistory } from './history.js';
import { parseEnvFile, stackTargets } from './home.js';
import { pickChatModel } from './model-choice.js';
import { humanLine, humanReport, summaryLine } from './report-human.js';
import { junitReport } from './report-junit.js';
import type { CheckResult, CheckStatus, RunReport } from './types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tmpFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-hist-'));
  dirs.push(dir);
  return path.join(dir, 'sub', 'readiness-history.json');
}

function result(id: string, status: CheckStatus, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    number: id.length,
    title: `Check ${id}`,
    status,
    durationMs: 12,
    summary: `${id} ${status}`,
    details: {},
    ...extra,
  };
}
function report(runId: string, statuses: Record<string, CheckStatus>): RunReport {
  const results = Object.entries(statuses).map(([id, status]) => result(id, status));
  const counts = {
    passed: results.filter((r) => r.status === 'pass').length,
    failed: results.filter((r) => r.status === 'fail').length,
    skipped: results.filter((r) => r.status === 'skip').length,
  };
  return {
    runId,
    url: 'http://127.0.0.1:3000',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: 1500,
    ok: counts.failed === 0,
    counts,
    results,
    warnings: [],
    cleanup: { keysCreated: 1, keysRevoked: 1 },
  };
}

describe('history', () => {
  it('keeps the newest 50 runs in a 0600 file, oldest first', async () => {
    const history = new ReadinessHistory(tmpFile());
    for (let i = 0; i < 53; i += 1) await history.append(report(`r${i}`, { health: 'pass' }));
    const { runs, warning } = await history.load();
    expect(warning).toBeUndefined();
    expect(runs).toHaveLength(50);
    expect([runs[0]!.runId, runs.at(-1)!.runId]).toEqual(['r3', 'r52']);
    expect(statSync(history.file).mode & 0o777).toBe(0o600);
  });

  it('a missing file is an empty history; a bad one is reset with a warning and kept as .bad', async () => {
    const file = tmpFile();
    const history = new ReadinessHistory(file);
    expect(await history.load()).toEqual({ runs: [] });
    await history.append(report('r1', { health: 'pass' }));
    writeFileSync(file, '{"version":1,"runs":[{"runId":5}]}');
    const loaded = await history.load();
    expect(loaded.runs).toEqual([]);
    expect(loaded.warning).toMatch(/was invalid \(runs\.0\.runId: .*\); kept a copy as \.bad/);
    expect(readFileSync(`${file}.bad`, 'utf8')).toContain('"runId":5');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, runs: [] });
    writeFileSync(file, 'not json at all');
    const appended = await history.append(report('r2', { health: 'pass' }));
    expect(appended.warning).toMatch(/not JSON/);
    expect(appended.runs.map((r) => r.runId)).toEqual(['r2']);
    expect(existsSync(file)).toBe(true);
  });

  it('lastGreen() and changedSince() tell what changed since the last green run', async () => {
    const history = new ReadinessHistory(tmpFile());
    await history.append(report('g1', { health: 'pass', chat: 'pass', redis: 'skip' }));
    await history.append(report('red', { health: 'pass', chat: 'fail' }));
    const green = await history.lastGreen();
    expect(green?.runId).toBe('g1');
    const now = report('now', { health: 'pass', chat: 'fail', cors: 'pass' });
    expect(changedSince(now, green)).toEqual([
      { id: 'chat', title: 'Check chat', before: 'pass', now: 'fail' },
      { id: 'cors', title: 'Check cors', before: null, now: 'pass' },
      { id: 'redis', title: 'Check redis', before: 'skip', now: null },
    ]);
    expect(changedSince(now, null)).toHaveLength(3);
  });
});

describe('reporters', () => {
  const run = report('r', { health: 'pass', chat: 'fail', redis: 'skip' });
  run.results[1] = result('chat', 'fail', {
    summary: 'answered "5" <wrong> & "odd"',
    fix: 'try --model',
    code: 'model_quality',
  });
  run.results[2] = result('redis', 'skip', { reason: 'no Redis to check', summary: 'no Redis to check' });

  it('human: ✓/✗/– lines with durations, the fix under a failure, and the exact summary line last', () => {
    expect(humanLine(run.results[0]!)).toMatch(/^✓ +6 Check health +12 ms {2}health pass$/);
    expect(humanLine(run.results[1]!)).toMatch(/^✗ .*answered "5"[^\n]*\n {6}→ try --model$/);
    expect(humanLine(run.results[2]!)).toMatch(/^– .*skipped: no Redis to check$/);
    const text = humanReport(run);
    expect(text.split('\n').at(-1)).toBe('1 passed, 1 failed, 1 skipped');
    expect(summaryLine({ counts: { passed: 15, failed: 0, skipped: 1 } })).toBe('15 passed, 0 failed, 1 skipped');
  });

  it('JUnit: one testcase per check with failure and skipped elements, escaped', () => {
    const xml = junitReport(run);
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="llm-gateway readiness" tests="3" failures="1" errors="0" skipped="1"/,
    );
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toContain(
      '<failure message="answered &quot;5&quot; &lt;wrong&gt; &amp; &quot;odd&quot;" type="model_quality">',
    );
    expect(xml).toContain('<skipped message="no Redis to check"/>');
    expect(xml).not.toMatch(/<wrong>/);
  });
});

describe('model choice and stack.env', () => {
  it('picks the smallest chat model, never an embedding one', () => {
    const models = [
      { id: 'llama3.2:1b', size: 1_321_098_329, family: 'llama' },
      { id: 'nomic-embed-text:latest', size: 274_302_450, family: 'nomic-bert' },
      { id: 'all-minilm:latest', size: 45_000_000, family: 'bert' },
      { id: 'qwen2.5:0.5b', size: 397_821_319, family: 'qwen2' },
    ];
    expect(pickChatModel(models)).toBe('qwen2.5:0.5b');
    expect(
      pickChatModel([
        { id: 'a:7b', parameter_size: '7B' },
        { id: 'b:3b', parameter_size: '3.2B' },
      ]),
    ).toBe('b:3b');
    expect(pickChatModel([{ id: 'bge-m3:latest', size: 1 }])).toBeUndefined();
  });

  it('reads stack.env and builds the loopback Postgres and Redis URLs from it', () => {
    const env = parseEnvFile(
      '# generated\nPOSTGRES_USER=llmgw\nPOSTGRES_PASSWORD="p@ss/word"\nPOSTGRES_DB=llmgw\n\nREDIS_PASSWORD=r3d!s\nADMIN_TOKEN=abc\n',
    );
    expect(env.ADMIN_TOKEN).toBe('abc');
    expect(stackTargets(env)).toEqual({
      databaseUrl: 'postgres://llmgw:p%40ss%2Fword@127.0.0.1:15432/llmgw',
      redisUrl: 'redis://:r3d!s@127.0.0.1:16379',
    });
    expect(stackTargets({})).toEqual({});
  });
});
