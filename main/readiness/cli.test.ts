// The whole CLI (`node bin/llm-gateway.js readiness ...`) against a harness gateway: --json, human output with
// the exact summary line, --junit, the history file, exit codes, and usage errors.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../test/support/harness.js';
import type { RunReport } from './types.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let h: Harness;
let home: string;

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'node',
      ['bin/llm-gateway.js', 'readiness', ...args],
      {
        cwd: root,
        env: { ...process.env, LLMGW_HOME: home, ADMIN_TOKEN: '', NO_COLOR: '1', ...env },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  // Compile (the root `npm test` builds first too). Errors elsewhere in the tree must not hide ours.
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    const out = String((err as { stdout?: Buffer }).stdout ?? '');
    const ours = out.split('\n').filter((line) => /^main\/(readiness|cli)\//.test(line));
    if (ours.length > 0) throw new Error(`build errors:\n${ours.join('\n')}`, { cause: err });
  }
  home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-home-'));
  h = await startHarness({ kind: 'embedded' });
}, 120_000);
afterAll(async () => {
  await h?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('llm-gateway readiness', () => {
  it('--json prints one object, exits 0, and records the run in the history', async () => {
    const { code, stdout } = await cli(['--url', h.url, '--admin-token', h.adminToken, '--json']);
    const report = JSON.parse(stdout) as RunReport;
    expect(report.counts, JSON.stringify(report.results.filter((r) => r.status === 'fail'))).toEqual({
      passed: 14,
      failed: 0,
      skipped: 4,
    });
    expect(code).toBe(0);
    const history = JSON.parse(readFileSync(path.join(home, 'readiness-history.json'), 'utf8')) as {
      runs: RunReport[];
    };
    expect(history.runs.at(-1)?.runId).toBe(report.runId);
  });

  it('human output: ✓ lines as checks end and the summary line last; --junit writes XML', async () => {
    const junit = path.join(home, 'readiness.xml');
    const { code, stdout } = await cli([
      '--url',
      h.url,
      '--admin-token',
      h.adminToken,
      '--junit',
      junit,
      '--skip',
      'chat',
    ]);
    const lines = stdout.trim().split('\n');
    expect(code).toBe(0);
    expect(lines[0]).toBe(`LLM Gateway readiness — ${h.url} (17 checks)`);
    expect(lines.filter((line) => line.startsWith('✓'))).toHaveLength(13);
    expect(lines.at(-1)).toBe('13 passed, 0 failed, 4 skipped');
    expect(readFileSync(junit, 'utf8')).toMatch(
      /<testsuites name="llm-gateway readiness" tests="17" failures="0" errors="0" skipped="4"/,
    );
  });

  it('exits 1 when a check fails, and 2 on an unknown check', async () => {
    const failed = await cli(['--url', 'http://127.0.0.1:9', '--only', 'health,ready']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/✗ +2 Health endpoint/);
    expect(failed.stdout.trim().split('\n').at(-1)).toBe('0 passed, 2 failed, 0 skipped');
    const usage = await cli(['--only', 'bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Unknown check 'bogus'/);
  });

  it('takes the admin token from the environment and uses an existing --key', async () => {
    const viaEnv = await cli(['--url', h.url, '--only', 'models', '--json'], { ADMIN_TOKEN: h.adminToken });
    expect((JSON.parse(viaEnv.stdout) as RunReport).results[0]?.status).toBe('pass');
    const { key } = await h.createKey({ name: 'cli-key' });
    const viaKey = await cli(['--url', h.url, '--key', key, '--only', 'models,rate-limit', '--json']);
    const report = JSON.parse(viaKey.stdout) as RunReport;
    expect(report.results.map((r) => r.status)).toEqual(['pass', 'skip']);
    expect(report.cleanup.keysCreated).toBe(0);
  });
});
