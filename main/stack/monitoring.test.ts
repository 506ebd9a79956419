// The `monitoring` profile's Prometheus files, checked by Prometheus's own promtool: the config and rules are valid,
// the rules' unit tests pass (each alert fires on the series that should trigger it: compose/monitoring/
// rules.test.yml), every metric the rules use is one a real gateway exposes, and that exposition passes
// `promtool check metrics`. promtool comes from Debian's `prometheus` package without installing it (no daemon):
// test/images/prometheus/build.sh --promtool-only (run by .ci/run).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../test/support/harness.js';

const DIR = path.resolve(import.meta.dirname, '../../compose/monitoring');
const PROMTOOL = process.env.PROMTOOL ?? '/opt/llmgw-promtool/promtool';

function promtool(args: string[], input?: string): { code: number; output: string } {
  const run = spawnSync(PROMTOOL, args, { cwd: DIR, encoding: 'utf8', input });
  if (run.error) throw run.error;
  return { code: run.status ?? 1, output: `${run.stdout}${run.stderr}` };
}

beforeAll(() => {
  if (!existsSync(PROMTOOL))
    throw new Error(
      `promtool not found at ${PROMTOOL}: run test/images/prometheus/build.sh --promtool-only (or set PROMTOOL).`,
    );
});

describe('monitoring profile (promtool)', () => {
  let h: Harness;
  let exposition: string;
  beforeAll(async () => {
    h = await startHarness({ kind: 'embedded' });
    const { key } = await h.createKey();
    const chat = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: h.upstream.models[0]!.name, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    await chat.text();
    const metrics = await h.admin('GET', '/metrics');
    expect(metrics.status).toBe(200);
    exposition = await metrics.text();
  });
  afterAll(() => h?.close());

  it('the Prometheus config and its rule file are valid', () => {
    const config = promtool(['check', 'config', 'prometheus.yml']);
    expect(config.code, config.output).toBe(0);
    const rules = promtool(['check', 'rules', 'rules.yml']);
    expect(rules.code, rules.output).toBe(0);
    expect(rules.output).toMatch(/SUCCESS: 10 rules found/);
  });

  it("the rules' unit tests pass: each alert fires on the series that should trigger it", () => {
    const tests = promtool(['test', 'rules', 'rules.test.yml']);
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toMatch(/SUCCESS/);
  });

  it("a real gateway's /metrics passes promtool check metrics and has every metric the rules read", () => {
    // prom-client's default process metrics name three gauges *_total (its naming, not ours): the only findings.
    const lint = promtool(['check', 'metrics'], exposition);
    const findings = lint.output
      .split('\n')
      .filter(Boolean)
      .filter((line) => !/^llmgw_nodejs_active_(handles|requests|resources)_total non-counter metrics/.test(line));
    expect(findings).toEqual([]);
    const used = new Set(
      [...readFileSync(path.join(DIR, 'rules.yml'), 'utf8').matchAll(/\b(llmgw_[a-z_]+)/g)].map((m) =>
        m[1]!.replace(/_bucket$/, ''),
      ),
    );
    expect(used.size).toBeGreaterThan(3);
    for (const name of used) expect(exposition, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    // The upstream gauge the UpstreamDown alert reads: the test upstream is healthy, by name (never its URL).
    expect(exposition).toMatch(/^llmgw_upstream_up\{upstream="[^"]+"[^}]*\} 1$/m);
    expect(exposition.match(/^llmgw_upstream_up.*$/m)![0]).not.toContain('http');
  });

  it('the Grafana dashboard is valid JSON whose queries use the recording rules and metrics that exist', () => {
    const dashboard = JSON.parse(readFileSync(path.join(DIR, 'grafana/dashboards/llm-gateway.json'), 'utf8')) as {
      uid: string;
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    expect(dashboard.uid).toBe('llm-gateway');
    const rules = readFileSync(path.join(DIR, 'rules.yml'), 'utf8');
    for (const expr of dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))) {
      for (const [name] of expr.matchAll(/\bllmgw:[a-z_0-9:]+/g)) expect(rules, expr).toContain(`record: ${name}`);
      for (const [name] of expr.matchAll(/\bllmgw_[a-z_]+/g))
        expect(exposition, expr).toMatch(new RegExp(`^# TYPE ${name.replace(/_bucket$/, '')} `, 'm'));
    }
  });
});
