// The dashboard page carries its own CSP (issue 14): a response header may not apply to a file:// page, a <meta> tag
// always does. The built page (npm test builds first) must hold the shell's policy, less frame-ancestors (which a
// <meta> tag cannot set).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../main/electron-main/security-policy.js';

const root = path.resolve(import.meta.dirname, '../..');
const expected = CONTENT_SECURITY_POLICY.split('; ')
  .filter((directive) => !directive.startsWith('frame-ancestors'))
  .join('; ');

function metaCsp(file: string): string | undefined {
  const html = readFileSync(file, 'utf8');
  return /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html)?.[1];
}

describe('dashboard page CSP', () => {
  it("the source page's <meta> CSP is the shell's policy", () => {
    expect(metaCsp(path.join(root, 'renderer', 'index.html'))).toBe(expected);
  });

  it('the built page keeps it (run `npm run build` first)', () => {
    expect(metaCsp(path.join(root, 'renderer', 'dist', 'index.html'))).toBe(expected);
  });
});
