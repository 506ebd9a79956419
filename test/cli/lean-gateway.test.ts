// `llm-gateway gateway` stays lean: the modules the built CLI loads before running the gateway (the entry's
// static imports, followed transitively) contain nothing of the control plane, the stack, the readiness suite or
// the Docker client; those are reached only through the lazy import() of their own command.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt } from './run-cli.js';

const DIST = path.resolve('dist');

function staticImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  const bare = [...source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  return [...specifiers, ...bare];
}

/** Every file (or package) reachable from `entry` through static imports. */
function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.startsWith('/')) return; // a package: recorded, not followed
    for (const spec of staticImports(file)) visit(spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : spec);
  };
  visit(entry);
  return seen;
}

describe('the gateway command loads only the gateway', () => {
  it('the CLI entry plus the gateway command module reach no control-plane, stack or readiness code', () => {
    assertBuilt();
    const loaded = [
      ...closure(path.join(DIST, 'main/cli/index.js')),
      ...closure(path.join(DIST, 'main/cli/gateway-command.js')),
    ];
    const relative = loaded.map((f) => (f.startsWith('/') ? path.relative(DIST, f) : f));
    expect(relative).toContain('main/cli/commands.js');
    expect(relative).toContain('gateway/src/index.js');
    expect(
      relative.filter((f) => /^main\/(control\/api|control\/runtime|stack\/controller|readiness\/runner)/.test(f)),
    ).toEqual([]);
    expect(relative).not.toContain('dockerode');
    expect(relative).not.toContain('main/cli/models-command.js');
  });

  it('the same walk does find the control plane behind a command that uses it (the check can fail)', () => {
    const models = [...closure(path.join(DIST, 'main/cli/models-command.js'))].map((f) => path.relative(DIST, f));
    expect(models).toContain('main/control/api.js');
  });
});
