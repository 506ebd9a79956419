// Issue 16 through the stack's real nginx (its nginx.conf and entrypoint.sh, run by a host nginx; see
// test/support/local-nginx.ts): HTTPS with the locally generated CA trusted by the `openai` client and curl; an
// expired or wrong-host certificate refused by both; the optional HTTP → HTTPS redirect and HSTS; the stack's
// allow-list (nginx allow/deny) and per-key allow-lists seeing the real client address behind nginx (X-Real-IP
// trusted from nginx only). Clients bind distinct loopback source addresses (127.0.0.2, 127.0.0.3).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { startLocalNginx, type LocalNginx } from '../support/local-nginx.js';
import { requestFrom } from '../support/from-address.js';
import {
  checkUserCertificate,
  ensureLocalCertificates,
  issueServerCertificate,
  prepareServedTls,
} from '../../main/stack/tls-certs.js';

const run = promisify(execFile);

/** curl's exit code and output (60 = the peer's certificate could not be verified). */
async function curl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run('curl', ['-sS', '--max-time', '10', ...args]);
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

function openaiWith(ca: string, baseURL: string, apiKey: string): OpenAI {
  const dispatcher = new Agent({ connect: { ca } });
  return new OpenAI({
    apiKey,
    baseURL,
    maxRetries: 0,
    fetch: ((url: string, init: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch,
  });
}

let h: Harness;
let home: string;
let key: string;
beforeAll(async () => {
  // nginx is the only proxy the gateway trusts for X-Real-IP (as TRUSTED_PROXIES=nginx in the stack).
  h = await startHarness({ kind: 'embedded', env: { TRUSTED_PROXIES: '127.0.0.1' } });
  key = (await h.createKey()).key;
  home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-tls-home-'));
});
afterAll(async () => {
  await h?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('HTTPS on the stack nginx', () => {
  let nginx: LocalNginx | undefined;
  afterEach(async () => {
    await nginx?.close();
    nginx = undefined;
  });

  it('serves the generated certificate: the openai client and curl trust it with the exported CA, not without', async () => {
    const served = await prepareServedTls(home, {});
    expect(served.own).toBe(false);
    const ca = readFileSync(served.caFile!, 'utf8');
    if (process.platform !== 'win32') {
      expect(statSync(path.join(home, 'tls', 'local', 'ca-key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(home, 'tls', 'local', 'key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(served.dir, 'key.pem')).mode & 0o777).toBe(0o600);
    }
    nginx = await startLocalNginx(h.url, { LLMGW_TLS: '1', LLMGW_TLS_DIR: served.dir });

    for (const host of ['localhost', '127.0.0.1']) {
      const client = openaiWith(ca, `https://${host}:${nginx.tlsPort}/v1`, key);
      const completion = await client.chat.completions.create({
        model: h.upstream.models[0]!.name,
        messages: [{ role: 'user', content: 'What is 2+2?' }],
      });
      expect(completion.choices[0]!.message.content).toMatch(/4/);
    }
    const ok = await curl(['--cacert', served.caFile!, `https://localhost:${nginx.tlsPort}/health`]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ status: 'ok' });
    // Without the CA: refused (curl 60: certificate problem; the SDK raises a connection error).
    const untrusted = await curl([`https://localhost:${nginx.tlsPort}/health`]);
    expect(untrusted.code).toBe(60);
    const plain = new OpenAI({ apiKey: key, baseURL: `https://localhost:${nginx.tlsPort}/v1`, maxRetries: 0 });
    await expect(plain.models.list()).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    // Plain HTTP still works next to it (no redirect asked for), and no HSTS for a generated certificate.
    const http = await curl(['-i', `${nginx.httpUrl}/health`]);
    expect(http.out).toMatch(/^HTTP\/1\.1 200/);
    const https = await curl(['-i', '--cacert', served.caFile!, `https://localhost:${nginx.tlsPort}/health`]);
    expect(https.out.toLowerCase()).not.toContain('strict-transport-security');
  });

  it('refuses an expired certificate and one for another host, though both come from the trusted CA', async () => {
    const local = await ensureLocalCertificates(home);
    const ca = {
      certPem: readFileSync(local.caFile, 'utf8'),
      keyPem: readFileSync(path.join(local.dir, 'ca-key.pem'), 'utf8'),
    };
    const day = 86_400_000;
    const cases = [
      {
        name: 'expired',
        cert: await issueServerCertificate(ca, ['localhost', '127.0.0.1'], {
          notBefore: new Date(Date.now() - 10 * day),
          notAfter: new Date(Date.now() - day),
        }),
        curlText: /expired/i,
        sdkCause: 'CERT_HAS_EXPIRED',
      },
      {
        name: 'wrong host',
        cert: await issueServerCertificate(ca, ['gateway.example.org']),
        curlText: /subject name|does not match|alternative/i,
        sdkCause: 'ERR_TLS_CERT_ALTNAME_INVALID',
      },
    ];
    for (const c of cases) {
      const dir = mkdtempSync(path.join(home, 'case-'));
      writeFileSync(path.join(dir, 'cert.pem'), c.cert.certPem);
      writeFileSync(path.join(dir, 'key.pem'), c.cert.keyPem, { mode: 0o600 });
      nginx = await startLocalNginx(h.url, { LLMGW_TLS: '1', LLMGW_TLS_DIR: dir });
      const refused = await curl(['--cacert', local.caFile, `https://localhost:${nginx.tlsPort}/health`]);
      expect(refused.code, c.name).toBe(60);
      expect(refused.err, c.name).toMatch(c.curlText);
      const client = openaiWith(readFileSync(local.caFile, 'utf8'), `https://localhost:${nginx.tlsPort}/v1`, key);
      const err = await client.models.list().catch((e: unknown) => e);
      expect(err, c.name).toBeInstanceOf(OpenAI.APIConnectionError);
      expect(JSON.stringify(causes(err)), c.name).toContain(c.sdkCause);
      await nginx.close();
      nginx = undefined;
      // The app's own check refuses the expired one before nginx would serve it.
      if (c.name === 'expired')
        expect(() => checkUserCertificate(path.join(dir, 'cert.pem'), path.join(dir, 'key.pem'))).toThrow(/expired/);
    }
  });

  it('redirects HTTP to HTTPS for other addresses (not loopback 127.0.0.1), and sends HSTS only on HTTPS', async () => {
    const served = await prepareServedTls(home, {});
    nginx = await startLocalNginx(h.url, {
      LLMGW_TLS: '1',
      LLMGW_TLS_DIR: served.dir,
      LLMGW_TLS_REDIRECT: '1',
      // As `up` sets it with the user's own certificate; forced here to see the header's placement.
      LLMGW_TLS_HSTS: '1',
    });
    const redirected = await requestFrom('127.0.0.2', `${nginx.httpUrl}/v1/models?x=1`);
    expect(redirected.status).toBe(308);
    expect(redirected.headers.location).toBe(`https://127.0.0.1:${nginx.tlsPort}/v1/models?x=1`);
    expect(redirected.headers['strict-transport-security']).toBeUndefined();
    const local = await requestFrom('127.0.0.1', `${nginx.httpUrl}/health`);
    expect(local.status).toBe(200);
    const https = await curl(['-i', '--cacert', served.caFile!, `https://localhost:${nginx.tlsPort}/health`]);
    expect(https.out.toLowerCase()).toContain('strict-transport-security: max-age=31536000');
  });
});

describe('allow-lists behind the stack nginx', () => {
  let nginx: LocalNginx | undefined;
  afterEach(async () => {
    await nginx?.close();
    nginx = undefined;
  });

  it("per key: the gateway sees the client's own address through nginx, and a forged X-Real-IP changes nothing", async () => {
    nginx = await startLocalNginx(h.url);
    const bound = await h.createKey({ allowed_ips: ['127.0.0.2'] });
    const chat = (from: string, headers: Record<string, string> = {}) =>
      requestFrom(from, `${nginx!.httpUrl}/v1/chat/completions`, {
        headers: { authorization: `Bearer ${bound.key}`, ...headers },
        body: { model: h.upstream.models[0]!.name, messages: [{ role: 'user', content: 'hi' }] },
      });
    expect((await chat('127.0.0.2')).status).toBe(200);
    const refused = await chat('127.0.0.3', { 'x-real-ip': '127.0.0.2', 'x-forwarded-for': '127.0.0.2' });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'ip_not_allowed' });
    expect(refused.json.error.message).toContain('127.0.0.3');
  });

  it("per stack: LLMGW_ALLOW_IPS lets listed addresses (and loopback) in; others get 403 in the path's envelope", async () => {
    nginx = await startLocalNginx(h.url, { LLMGW_ALLOW_IPS: '127.0.0.2/32' });
    const auth = { authorization: `Bearer ${key}` };
    expect((await requestFrom('127.0.0.2', `${nginx.httpUrl}/v1/models`, { headers: auth })).status).toBe(200);
    expect((await requestFrom('127.0.0.1', `${nginx.httpUrl}/health`)).status).toBe(200);
    const openai = await requestFrom('127.0.0.3', `${nginx.httpUrl}/v1/models`, { headers: auth });
    expect(openai.status).toBe(403);
    expect(openai.json.error).toMatchObject({ type: 'permission_error', code: 'ip_not_allowed' });
    const ollama = await requestFrom('127.0.0.3', `${nginx.httpUrl}/api/tags`, { headers: auth });
    expect(ollama.status).toBe(403);
    expect(Object.keys(ollama.json)).toEqual(['error']);
    const anthropic = await requestFrom('127.0.0.3', `${nginx.httpUrl}/v1/messages`, {
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
      body: { model: h.upstream.models[0]!.name, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(anthropic.status).toBe(403);
    expect(anthropic.json).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
  });
});

/** The error's cause chain (the SDK wraps fetch's error, which wraps the TLS error with its code). */
function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current && chain.length < 6) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    chain.push({ code, message });
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}
