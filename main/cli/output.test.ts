import { describe, expect, it } from 'vitest';
import { formatBytes, formatSeconds, outputStyle, table, truncate, visibleLength } from './output.js';

describe('output conventions', () => {
  it('colours only a terminal, and never with NO_COLOR or TERM=dumb', () => {
    expect(outputStyle({ isTTY: true, columns: 80 }, {}).color).toBe(true);
    expect(outputStyle({ isTTY: true, columns: 80 }, { NO_COLOR: '1' }).color).toBe(false);
    expect(outputStyle({ isTTY: true, columns: 80 }, { TERM: 'dumb' }).color).toBe(false);
    expect(outputStyle({ isTTY: false }, {}).color).toBe(false);
    expect(outputStyle({ isTTY: false }, {}).paint('red', 'x')).toBe('x');
    expect(outputStyle({ isTTY: true, columns: 80 }, {}).paint('red', 'x')).toBe('\u001b[31mx\u001b[0m');
  });

  it("takes the terminal's width, else COLUMNS, else no limit", () => {
    expect(outputStyle({ isTTY: true, columns: 72 }, { COLUMNS: '200' }).width).toBe(72);
    expect(outputStyle({ isTTY: false }, { COLUMNS: '50' }).width).toBe(50);
    expect(outputStyle({ isTTY: false }, {}).width).toBe(Infinity);
  });

  it('a table fits its width by cutting the widest column first, numbers aligned right', () => {
    const rows = [
      ['key_0123456789abcdef0123456789abcdef', 'my-application-name', '12'],
      ['key_1', 'b', '3'],
    ];
    const wide = table(['ID', 'NAME', 'N'], rows, { right: [2] });
    expect(wide.split('\n')[1]).toBe('key_0123456789abcdef0123456789abcdef  my-application-name  12');
    expect(wide.split('\n')[2]).toBe('key_1                                 b                     3');
    const narrow = table(['ID', 'NAME', 'N'], rows, { width: 40, right: [2] });
    for (const line of narrow.split('\n')) expect(visibleLength(line)).toBeLessThanOrEqual(40);
    expect(narrow.split('\n')[1]).toBe('key_0123456789ab…  my-application-n…  12');
    // Below every column's floor the table stays whole and the terminal wraps it.
    expect(table(['ID', 'NAME'], rows, { width: 5 }).split('\n')[1]).toBe('key_0…  my-ap…');
  });

  it('measures coloured cells without their escape codes', () => {
    const style = outputStyle({ isTTY: true, columns: 80 }, {});
    const out = table(['S', 'X'], [[style.status('active'), 'y']]);
    expect(out.split('\n')[1]).toBe('\u001b[32mactive\u001b[0m  y');
  });

  it('formats bytes, seconds and cuts text', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_321_098_329)).toBe('1.3 GB');
    expect(formatBytes(52_000_000)).toBe('52 MB');
    expect(formatSeconds(42)).toBe('42s');
    expect(formatSeconds(185)).toBe('3m05s');
    expect(formatSeconds(3725)).toBe('1h02m');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});
