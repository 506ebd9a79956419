// Per-service progress of `up`: compose's real plain-progress lines (parsed by the stack's parser) and the Engine
// lifecycle's events become one state per service with its replicas and elapsed time; plain mode prints a line per
// change only, a terminal gets one block redrawn in place.
import { describe, expect, it } from 'vitest';
import { parseProgressLine } from '../stack/progress.js';
import { phaseOf, UpProgress } from './up-progress.js';

const COMPOSE_UP = [
  '#12 [api-gateway build 3/8] RUN npm ci',
  ' Container llm-gateway-postgres  Creating',
  ' Container llm-gateway-postgres  Created',
  ' Container llm-gateway-api-gateway-1  Created',
  ' Container llm-gateway-api-gateway-2  Created',
  ' Container llm-gateway-postgres  Starting',
  ' Container llm-gateway-postgres  Started',
  ' Container llm-gateway-postgres  Waiting',
  ' Container llm-gateway-postgres  Healthy',
  ' Container llm-gateway-api-gateway-1  Started',
  ' Container llm-gateway-api-gateway-2  Started',
  ' Container llm-gateway-api-gateway-1  Healthy',
  ' Container llm-gateway-api-gateway-2  Healthy',
];

function run(tty: boolean) {
  let t = 0;
  let out = '';
  const progress = new UpProgress({ tty, write: (s) => (out += s), now: () => t });
  for (const line of COMPOSE_UP) {
    t += 500;
    expect(progress.event(parseProgressLine(line))).toBe(true);
  }
  return { progress, out: () => out, tick: (ms: number) => (t += ms) };
}

describe('UpProgress', () => {
  it('maps compose and lifecycle statuses to phases', () => {
    expect(['Created', 'Starting', 'Started', 'Waiting', 'Healthy', 'Error', 'Stopped'].map(phaseOf)).toEqual([
      'creating',
      'starting',
      'waiting',
      'waiting',
      'healthy',
      'failed',
      'stopped',
    ]);
  });

  it('plain mode: one line per service change with elapsed time, replicas counted', () => {
    const { out } = run(false);
    const lines = out().trimEnd().split('\n');
    expect(lines[0]).toBe('… api-gateway: building  0.5s');
    expect(lines).toContain('✔ postgres: healthy  4.5s');
    expect(lines).toContain('… api-gateway: waiting for health (1/2 healthy)  6.0s');
    expect(lines.at(-1)).toBe('✔ api-gateway: healthy (2/2 healthy)  6.5s');
    expect(out()).not.toContain('\x1b[');
    expect(new Set(lines).size).toBe(lines.length); // nothing printed twice
  });

  it('terminal: a block per service redrawn in place; other lines go above it', () => {
    const { progress, out, tick } = run(true);
    tick(10_000);
    progress.line('• docker compose up');
    progress.finish();
    expect(progress.lines()).toEqual([
      '  ✔ api-gateway  healthy (2/2 healthy)  16.5s',
      '  ✔ postgres     healthy  16.5s',
    ]);
    expect(out()).toContain('\x1b[2A\x1b[J• docker compose up\n');
    expect(out().endsWith('  ✔ postgres     healthy  16.5s\n')).toBe(true);
  });

  it('leaves steps and messages to the caller', () => {
    const progress = new UpProgress({ tty: false, write: () => {} });
    expect(progress.event({ type: 'step', step: 'ports', text: 'Ports are free' })).toBe(false);
    expect(progress.event({ type: 'message', text: 'warning: x' })).toBe(false);
    progress.finish();
  });
});
