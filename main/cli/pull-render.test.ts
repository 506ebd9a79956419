import { describe, expect, it } from 'vitest';
import type { PullState } from '../../common/protocol/views.js';
import { outputStyle } from './output.js';
import { PlainLines, bar, endLine, figures, ttyLine } from './pull-render.js';

function state(patch: Partial<PullState>): PullState {
  return {
    name: 'qwen3:8b',
    phase: 'pulling',
    status: 'pulling 3d0b790534fe',
    layers: [],
    completed: 2_100_000_000,
    total: 5_200_000_000,
    percent: 40.3,
    bytesPerSecond: 35_000_000,
    etaSeconds: 89,
    startedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:01:00.000Z',
    ...patch,
  };
}

const plain = outputStyle({ isTTY: false }, {});

describe('pull progress rendering', () => {
  it('draws a bar of the given width', () => {
    expect(bar(0, 10)).toBe('[··········]');
    expect(bar(40.3, 10)).toBe('[####······]');
    expect(bar(100, 10)).toBe('[##########]');
  });

  it('shows percent, bytes, speed and ETA', () => {
    expect(figures(state({}))).toBe('40.3%  2.1 GB/5.2 GB  35 MB/s  ETA 1m29s');
    expect(figures(state({ bytesPerSecond: 0, etaSeconds: null }))).toBe('40.3%  2.1 GB/5.2 GB');
  });

  it('fits the terminal line to its width, dropping the bar on a narrow one', () => {
    const line = ttyLine(state({}), 100, plain);
    expect(line).toBe('qwen3:8b [################························] 40.3%  2.1 GB/5.2 GB  35 MB/s  ETA 1m29s');
    expect(line.length).toBeLessThan(100);
    expect(ttyLine(state({}), 50, plain)).toBe('qwen3:8b 40.3%  2.1 GB/5.2 GB  35 MB/s  ETA 1m29s');
  });

  it('prints a plain line per status change or 10 % step, not per event', () => {
    const lines = new PlainLines();
    expect(lines.line(state({ percent: 40.3 }))).toBe('qwen3:8b: pulling 40.3%  2.1 GB/5.2 GB  35 MB/s  ETA 1m29s');
    expect(lines.line(state({ percent: 45 }))).toBeNull();
    expect(lines.line(state({ status: 'pulling 0a1b2c3d4e5f', percent: 46 }))).toBeNull(); // next layer, same step
    expect(lines.line(state({ percent: 50.1 }))).toMatch(/^qwen3:8b: pulling 50\.1%/);
    expect(lines.line(state({ status: 'verifying sha256 digest', percent: 50.2 }))).toMatch(
      /^qwen3:8b: verifying sha256 digest 50\.2%/,
    );
  });

  it('ends with what happened and what to do', () => {
    expect(endLine(state({ phase: 'done', percent: 100 }))).toBe('qwen3:8b: pulled (5.2 GB).');
    expect(endLine(state({ phase: 'cancelled' }))).toBe('qwen3:8b: cancelled at 40.3%; pull again to resume.');
    expect(endLine(state({ phase: 'failed', error: 'disk full' }))).toBe('qwen3:8b: failed: disk full');
  });
});
