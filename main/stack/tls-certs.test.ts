// The stack's certificates: the local CA is made once and kept, the server certificate covers localhost,
// 127.0.0.1 and ::1 and is signed by it, keys are 0600; the user's own pair is checked (PEM, matching key, dates).
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkUserCertificate,
  createLocalCa,
  ensureLocalCertificates,
  issueServerCertificate,
  prepareServedTls,
} from './tls-certs.js';

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-certs-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('local certificates', () => {
  it('makes a CA and a localhost certificate it signs, keeps the CA on the next call, keys 0600', async () => {
    const home = tmp();
    const first = await ensureLocalCertificates(home);
    expect(first.createdCa).toBe(true);
    const ca = new X509Certificate(readFileSync(first.caFile));
    const cert = new X509Certificate(readFileSync(first.certFile));
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBeDefined();
    expect(cert.checkHost('example.com')).toBeUndefined();
    expect(Date.parse(cert.validTo) - Date.now()).toBeLessThan(398 * 86_400_000);
    if (process.platform !== 'win32') {
      expect(statSync(path.join(first.dir, 'ca-key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);
    }
    const again = await ensureLocalCertificates(home);
    expect(again.createdCa).toBe(false);
    expect(readFileSync(again.caFile, 'utf8')).toBe(readFileSync(first.caFile, 'utf8'));
    expect(readFileSync(again.certFile, 'utf8')).toBe(readFileSync(first.certFile, 'utf8'));
  });

  it('renews a server certificate near its end, signed by the same CA', async () => {
    const home = tmp();
    const first = await ensureLocalCertificates(home);
    const before = readFileSync(first.certFile, 'utf8');
    const later = new Date(Date.now() + 380 * 86_400_000);
    const renewed = await ensureLocalCertificates(home, later);
    expect(renewed.createdCa).toBe(false);
    expect(readFileSync(renewed.certFile, 'utf8')).not.toBe(before);
  });
});

describe('the user certificate', () => {
  async function pair(dir: string, validity?: { notBefore?: Date; notAfter?: Date }) {
    const ca = await createLocalCa();
    const issued = await issueServerCertificate(ca, ['gateway.example.org'], validity);
    writeFileSync(path.join(dir, 'cert.pem'), issued.certPem + ca.certPem);
    writeFileSync(path.join(dir, 'key.pem'), issued.keyPem);
    return { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
  }

  it('accepts a matching pair (a chain too) and stages it for nginx as the own certificate', async () => {
    const dir = tmp();
    const files = await pair(dir);
    expect(checkUserCertificate(files.cert, files.key).names).toContain('gateway.example.org');
    const served = await prepareServedTls(dir, { certFile: files.cert, keyFile: files.key });
    expect(served).toMatchObject({ own: true, caFile: null });
    expect(readFileSync(path.join(served.dir, 'cert.pem'), 'utf8')).toBe(readFileSync(files.cert, 'utf8'));
  });

  it('refuses a missing file, non-PEM text, a key of another certificate, an expired certificate', async () => {
    const dir = tmp();
    const files = await pair(dir);
    expect(() => checkUserCertificate(path.join(dir, 'nope.pem'), files.key)).toThrow(/cannot be read/);
    writeFileSync(path.join(dir, 'junk.pem'), 'hello');
    expect(() => checkUserCertificate(path.join(dir, 'junk.pem'), files.key)).toThrow(/not a PEM certificate/);
    expect(() => checkUserCertificate(files.cert, path.join(dir, 'junk.pem'))).toThrow(/not a PEM private key/);
    const other = await pair(tmp());
    expect(() => checkUserCertificate(files.cert, other.key)).toThrow(/not the private key/);
    const expired = await pair(tmp(), {
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    expect(() => checkUserCertificate(expired.cert, expired.key)).toThrow(/expired/);
    await expect(prepareServedTls(dir, { certFile: files.cert })).rejects.toThrow(/both/);
  });
});
