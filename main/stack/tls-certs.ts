// Certificates for the stack's HTTPS listener. Either the user's own certificate and key (checked here: readable,
// PEM, not expired, the key matches), or a local CA made on first use plus a server certificate it signs for
// localhost / 127.0.0.1 / ::1. The CA's certificate is what the user trusts (README "TLS"); its key never leaves
// LLMGW_HOME/tls (0600). Generated with @peculiar/x509 over Node's WebCrypto: pure JavaScript, so it works the same
// on Windows and macOS, where an `openssl` binary may be missing or be LibreSSL with other flags.
import 'reflect-metadata'; // @peculiar/x509's dependency injection (tsyringe) needs the Reflect metadata API
import * as x509 from '@peculiar/x509';
import { createPrivateKey, KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from './errors.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Browsers refuse server certificates valid for more than 398 days. */
const SERVER_DAYS = 397;
const CA_DAYS = 3650;
/** A generated server certificate this close to its end is replaced at the next `up`. */
const RENEW_BEFORE_DAYS = 30;

export const LOCAL_HOSTS = ['localhost', '127.0.0.1', '::1'] as const;
export const TLS_DIR = 'tls';

export interface LocalCa {
  certPem: string;
  keyPem: string;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function keyPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

function serial(): string {
  // Positive (high bit clear) 16-byte serial, as RFC 5280 asks.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** A CA for this machine only: may sign server certificates (path length 0), nothing else. */
export async function createLocalCa(now = new Date()): Promise<LocalCa> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=LLM Gateway local CA (${now.toISOString().slice(0, 10)}), O=LLM Gateway`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: `${cert.toString('pem').trimEnd()}\n`, keyPem: keyPem(keys.privateKey) };
}

/** A server certificate for `hosts` (names and IP addresses) signed by `ca`. Tests also make expired ones. */
export async function issueServerCertificate(
  ca: LocalCa,
  hosts: readonly string[],
  validity: { notBefore?: Date; notAfter?: Date } = {},
): Promise<IssuedCertificate> {
  const keys = await newKeys();
  const caCert = new x509.X509Certificate(ca.certPem);
  const notBefore = validity.notBefore ?? new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${hosts[0] ?? 'localhost'}`,
    issuer: caCert.subject,
    notBefore,
    notAfter: validity.notAfter ?? new Date(notBefore.getTime() + SERVER_DAYS * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: await importKey(ca.keyPem),
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((host) => (/^[\d.]+$|:/.test(host) ? { type: 'ip', value: host } : { type: 'dns', value: host })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: `${cert.toString('pem').trimEnd()}\n`, keyPem: keyPem(keys.privateKey) };
}

/** Writes atomically; secrets (keys) 0600. */
function writeFile(file: string, text: string, secret: boolean): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: secret ? 0o600 : 0o644 });
  if (secret && process.platform !== 'win32') chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export interface LocalCertificates {
  dir: string;
  /** The CA certificate the user trusts (exported copy: no key next to it is needed). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Whether this call made a new CA (then clients must trust it anew). */
  createdCa: boolean;
}

/**
 * $home/tls/local: the CA (ca.pem, ca-key.pem) made once and kept, and a server certificate for localhost /
 * 127.0.0.1 / ::1 (cert.pem, key.pem) renewed when it nears its end or the CA changed. Keys are 0600.
 */
export async function ensureLocalCertificates(home: string, now = new Date()): Promise<LocalCertificates> {
  const dir = path.join(home, TLS_DIR, 'local');
  const files = {
    ca: path.join(dir, 'ca.pem'),
    caKey: path.join(dir, 'ca-key.pem'),
    cert: path.join(dir, 'cert.pem'),
    key: path.join(dir, 'key.pem'),
  };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let createdCa = false;
  let ca: LocalCa;
  if (existsSync(files.ca) && existsSync(files.caKey)) {
    ca = { certPem: readFileSync(files.ca, 'utf8'), keyPem: readFileSync(files.caKey, 'utf8') };
  } else {
    ca = await createLocalCa(now);
    writeFile(files.caKey, ca.keyPem, true);
    writeFile(files.ca, ca.certPem, false);
    createdCa = true;
  }
  if (createdCa || !serverCertificateFresh(files.cert, files.key, ca.certPem, now)) {
    const issued = await issueServerCertificate(ca, LOCAL_HOSTS, { notBefore: new Date(now.getTime() - 60_000) });
    writeFile(files.key, issued.keyPem, true);
    writeFile(files.cert, issued.certPem, false);
  }
  return { dir, caFile: files.ca, certFile: files.cert, keyFile: files.key, createdCa };
}

function serverCertificateFresh(certFile: string, keyFile: string, caPem: string, now: Date): boolean {
  try {
    const cert = new X509Certificate(readFileSync(certFile));
    return (
      cert.verify(new X509Certificate(caPem).publicKey) &&
      cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile))) &&
      Date.parse(cert.validTo) - now.getTime() > RENEW_BEFORE_DAYS * DAY_MS
    );
  } catch {
    return false;
  }
}

export interface CertificateInfo {
  subject: string;
  /** DNS names and IP addresses the certificate is valid for. */
  names: string;
  validTo: string;
}

/**
 * The user's certificate and key, checked before nginx ever sees them: both readable, PEM, the certificate (first
 * of a chain) in its validity period, the key unencrypted and the certificate's own. Every failure says which file.
 */
export function checkUserCertificate(certFile: string, keyFile: string, now = new Date()): CertificateInfo {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new StackError('tls_certificate', `The TLS ${what} ${file} cannot be read: ${(err as Error).message}`);
    }
  };
  const certText = read(certFile, 'certificate');
  const keyText = read(keyFile, 'key');
  if (!certText.includes('-----BEGIN CERTIFICATE-----'))
    throw new StackError('tls_certificate', `${certFile} is not a PEM certificate (no BEGIN CERTIFICATE block).`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyText))
    throw new StackError('tls_certificate', `${keyFile} is not a PEM private key (no BEGIN PRIVATE KEY block).`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certText);
  } catch (err) {
    throw new StackError('tls_certificate', `${certFile} is not a valid certificate: ${(err as Error).message}`);
  }
  let key;
  try {
    key = createPrivateKey(keyText);
  } catch (err) {
    throw new StackError(
      'tls_certificate',
      `${keyFile} is not a usable private key (nginx needs it unencrypted): ${(err as Error).message}`,
    );
  }
  if (!cert.checkPrivateKey(key))
    throw new StackError('tls_certificate', `${keyFile} is not the private key of the certificate in ${certFile}.`);
  if (Date.parse(cert.validTo) <= now.getTime())
    throw new StackError('tls_certificate', `The certificate in ${certFile} expired on ${cert.validTo}.`);
  if (Date.parse(cert.validFrom) > now.getTime())
    throw new StackError('tls_certificate', `The certificate in ${certFile} is not valid before ${cert.validFrom}.`);
  return { subject: cert.subject, names: cert.subjectAltName ?? '', validTo: cert.validTo };
}

export interface ServedTls {
  /** The folder nginx mounts (cert.pem, key.pem): a copy, so nginx never needs access to the user's own paths. */
  dir: string;
  /** The user's own certificate (HSTS allowed) or the local CA's. */
  own: boolean;
  /** The CA to trust when the certificate is the local one. */
  caFile: string | null;
}

/** Picks and stages the certificate nginx serves: the user's (both paths given) or the local CA's. */
export async function prepareServedTls(
  home: string,
  own: { certFile?: string | undefined; keyFile?: string | undefined },
): Promise<ServedTls> {
  if ((own.certFile === undefined) !== (own.keyFile === undefined))
    throw new StackError('tls_certificate', 'Give both a TLS certificate and its key, or neither.');
  const dir = path.join(home, TLS_DIR, 'serve');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let source: { cert: string; key: string };
  let caFile: string | null = null;
  if (own.certFile !== undefined && own.keyFile !== undefined) {
    checkUserCertificate(own.certFile, own.keyFile);
    source = { cert: own.certFile, key: own.keyFile };
  } else {
    const local = await ensureLocalCertificates(home);
    source = { cert: local.certFile, key: local.keyFile };
    caFile = local.caFile;
  }
  copyFileSync(source.cert, path.join(dir, 'cert.pem'));
  copyFileSync(source.key, path.join(dir, 'key.pem'));
  if (process.platform !== 'win32') {
    chmodSync(path.join(dir, 'key.pem'), 0o600);
    chmodSync(path.join(dir, 'cert.pem'), 0o644);
  }
  return { dir, own: caFile === null, caFile };
}
