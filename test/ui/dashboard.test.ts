// The dashboard end to end in headless Chromium: `llm-gateway serve --start` (embedded gateway, SQLite) against the
// Ollama-compatible upstream. Load with the token, see the status, create / copy / revoke a key, connect each client
// (its setup with the key and model, copied, the runnable ones run), pull a model with
// a moving bar and cancel another, run the readiness suite, stream a chat from the page over real CORS, see usage,
// check the 400 px layout, see errors with their hints. Screenshots of every panel go to SCREENSHOTS.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, startHarness, type UiHarness } from './harness.js';

let h: UiHarness;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
const go = async (panel: string) => {
  await page.click(`nav a[data-panel="${panel}"]`);
  await page.locator(`#panel-${panel}`).waitFor({ state: 'visible' });
};

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  h = await startHarness();
  context = await h.browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.origin });
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  await context?.close();
  await h?.close();
});

describe('dashboard in Chromium (serve mode, embedded gateway)', () => {
  it('loads with the token from the URL, drops it from the address bar, and shows the status', async () => {
    await page.goto(h.dashboardUrl);
    await page.waitForSelector('body[data-ready="true"]');
    expect(page.url()).not.toContain('token=');
    expect(page.url()).toMatch(/#\/overview$/);
    await expect.poll(() => page.textContent('#status-pill')).toBe('healthy');
    expect(await page.textContent('[data-testid="overview-status"]')).toContain('Running (embedded)');
    expect(await page.locator('[data-service="gateway"]').textContent()).toContain(`Port ${h.gatewayPort}`);
    expect(await page.textContent('[data-testid="base-url"]')).toBe(`http://127.0.0.1:${h.gatewayPort}/v1`);
    expect(await page.getAttribute('body', 'data-bridge')).toBe('http');
    await shot('overview');
  });

  it('refuses a page without the token and says what to do', async () => {
    const other = await context.newPage();
    await other.goto(h.origin);
    const error = other.locator('.error[role="alert"]');
    await error.waitFor();
    expect(await error.textContent()).toContain('no access token');
    expect(await error.locator('.hint').textContent()).toContain('#token=');
    await other.close();
  });

  let keyId = '';
  let plaintext = '';
  it('creates a key, shows its plaintext once, copies it', async () => {
    await go('keys');
    await page.fill('#panel-keys input[name="name"]', 'ui-test');
    await page.fill('#panel-keys input[name="rpm"]', '100');
    await page.click('#panel-keys button[type="submit"]');
    const secret = page.locator('[data-testid="new-key"]');
    await secret.waitFor();
    plaintext = await secret.inputValue();
    expect(plaintext).toMatch(/^llmgw_[0-9a-f]{64}$/);
    await page.locator('#panel-keys .created button', { hasText: 'Copy' }).click();
    await page.locator('#panel-keys .created', { hasText: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(plaintext);
    const row = page.locator('[data-testid="keys"] tr', { hasText: 'ui-test' });
    await row.waitFor();
    keyId = (await row.getAttribute('data-key'))!;
    expect(await row.textContent()).toContain('100 rpm');
    await shot('keys-created');
    await page.locator('#panel-keys .created button', { hasText: 'Done' }).click();
    // Shown once: after Done the plaintext is nowhere on the page.
    expect(await page.content()).not.toContain(plaintext);
  });

  it('Connect a client: each client shows its setup with the chosen key and model, copies it, and the runnable ones work', async () => {
    await go('overview');
    await page.selectOption('#panel-overview select[aria-label="Key for the snippet"]', keyId);
    await page.selectOption('#panel-overview select[aria-label="Model for the snippet"]', 'llama3.2:1b');
    const code = page.locator('[data-testid="snippet"]');
    await expect.poll(() => code.textContent()).toContain(plaintext); // the key is revealed from the vault
    const base = `http://127.0.0.1:${h.gatewayPort}`;
    const expected: Record<string, { label: string; parts: string[] }> = {
      'claude-code': {
        label: 'Claude Code',
        parts: [
          `export ANTHROPIC_BASE_URL=${base}\n`,
          `export ANTHROPIC_AUTH_TOKEN=${plaintext}`,
          'claude --model llama3.2:1b',
        ],
      },
      codex: {
        label: 'Codex CLI',
        parts: [
          'model = "llama3.2:1b"',
          '[model_providers.llmgw]',
          `base_url = "${base}/v1"`,
          'wire_api = "responses"',
          'env_key = "LLMGW_API_KEY"',
          `export LLMGW_API_KEY=${plaintext}`,
        ],
      },
      'open-webui': {
        label: 'Open WebUI',
        parts: [
          `Ollama API connection\n  URL:  ${base}\n  Auth: Bearer\n  Key:  ${plaintext}`,
          `OpenAI API connection\n  URL:  ${base}/v1\n  Key:  ${plaintext}`,
        ],
      },
      'ollama-js': {
        label: 'ollama (JS)',
        parts: [`host: "${base}"`, `Authorization: "Bearer ${plaintext}"`, 'model: "llama3.2:1b"'],
      },
      curl: {
        label: 'curl',
        parts: [`curl ${base}/v1/chat/completions`, `Bearer ${plaintext}`, '"model":"llama3.2:1b"'],
      },
      js: { label: 'JavaScript', parts: [`baseURL: "${base}/v1", apiKey: "${plaintext}"`, 'model: "llama3.2:1b"'] },
      python: { label: 'Python', parts: [`base_url="${base}/v1", api_key="${plaintext}"`, 'model="llama3.2:1b"'] },
    };
    const copiedText: Record<string, string> = {};
    for (const [client, { label, parts }] of Object.entries(expected)) {
      const tab = page.locator(`#panel-overview [role="tab"][data-client="${client}"]`);
      expect(await tab.textContent()).toBe(label);
      await tab.click();
      await expect.poll(() => code.getAttribute('data-client')).toBe(client);
      expect(await tab.getAttribute('aria-selected')).toBe('true');
      const text = (await code.textContent())!;
      for (const part of parts) expect(text, client).toContain(part);
      expect(await page.textContent('[data-testid="snippet-hint"]')).toBeTruthy();
      await page.click('#panel-overview button:has-text("Copy snippet")');
      await page.locator('#panel-overview', { hasText: `${label} setup copied` }).waitFor();
      copiedText[client] = (await page.evaluate('navigator.clipboard.readText()')) as string;
      expect(copiedText[client]).toBe(text);
      if (client === 'claude-code' || client === 'codex') await shot(`connect-${client}`);
    }
    // The copied setups that run here, run: the ollama client (native API), the openai SDK and curl — each through
    // the gateway with the key, answered by the test upstream.
    // Asynchronous on purpose: the test upstream answers from this very process.
    const run = promisify(execFile);
    const dir = mkdtempSync(path.join(import.meta.dirname, '.snippet-')); // inside the repo: node_modules resolve
    try {
      for (const client of ['ollama-js', 'js']) {
        writeFileSync(path.join(dir, `${client}.mjs`), copiedText[client]!);
        const { stdout } = await run(process.execPath, [path.join(dir, `${client}.mjs`)], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(stdout, client).toContain('I am a local model');
      }
      const curl = await run('bash', ['-c', copiedText.curl!], { encoding: 'utf8', timeout: 30_000 });
      expect(JSON.parse(curl.stdout).choices[0].message.content).toContain('I am a local model');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pulls a model with a moving progress bar to done, and cancels another pull', async () => {
    await go('models');
    await page.fill('#panel-models input[name="model"]', 'ollama pull llama3.2:3b');
    await page.click('#panel-models button[type="submit"]');
    const card = page.locator('[data-pull="llama3.2:3b"]');
    await card.waitFor();
    const seen = new Set<number>();
    await expect
      .poll(
        async () => {
          const now = Number(await card.locator('[role="progressbar"]').getAttribute('aria-valuenow'));
          seen.add(now);
          return (await card.getAttribute('data-phase')) === 'pulling' && now > 0 && now < 100;
        },
        { timeout: 15_000, interval: 50 },
      )
      .toBe(true);
    expect(await card.locator('.pull-line').textContent()).toMatch(/%.*\/s.*(left|ETA)/);
    await shot('models-pulling');
    await expect.poll(() => card.getAttribute('data-phase'), { timeout: 30_000 }).toBe('done');
    expect(await card.locator('[role="progressbar"]').getAttribute('aria-valuenow')).toBe('100');
    expect([...seen].filter((v) => v > 0 && v < 100).length).toBeGreaterThan(0);
    await page.locator('[data-testid="installed"] tr[data-model="llama3.2:3b"]').waitFor();

    await page.locator('[data-catalog="phi3:mini"] button').click();
    const other = page.locator('[data-pull="phi3:mini"]');
    await expect.poll(() => other.getAttribute('data-phase'), { timeout: 10_000 }).toBe('pulling');
    await other.locator('button', { hasText: 'Cancel' }).click();
    await expect.poll(() => other.getAttribute('data-phase'), { timeout: 10_000 }).toBe('cancelled');
    await shot('models');
  });

  it('shows an error where it happened, with its hint', async () => {
    await page.fill('#panel-models input[name="model"]', 'not a model!!');
    await page.click('#panel-models button[type="submit"]');
    const error = page.locator('#panel-models .error[role="alert"]');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('bad_model_name');
    expect(await error.locator('.hint').textContent()).toContain('llama3.2:1b');
  });

  it('runs the readiness suite with live results and keeps the history', async () => {
    await go('readiness');
    await page.click('#panel-readiness button:has-text("Run all checks")');
    const summary = page.locator('[data-testid="readiness-summary"]');
    await expect.poll(() => summary.textContent(), { timeout: 45_000 }).toMatch(/passed, 0 failed/);
    expect(await summary.textContent()).toContain('passed');
    expect(await page.locator('[data-testid="checks"] li[data-state="pass"]').count()).toBeGreaterThan(5);
    expect(await page.locator('[data-testid="checks"] li[data-state="fail"]').count()).toBe(0);
    await page.locator('[data-testid="history"] tbody tr').first().waitFor();
    await shot('readiness');
  });

  it('streams a chat from the page straight to the gateway over CORS, tokens as they arrive', async () => {
    await go('playground');
    const requests: Request[] = [];
    page.on('request', (r) => requests.push(r));
    await page.selectOption('#panel-playground select[aria-label="Key"]', keyId);
    await page.selectOption('#panel-playground select[aria-label="Model"]', 'llama3.2:1b');
    await page.click('#panel-playground button[type="submit"]');
    const reply = page.locator('[data-testid="reply"]');
    // Streaming: the reply grows token by token before the stats line appears.
    await expect.poll(() => reply.locator('.token').count(), { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
    await expect
      .poll(() => page.textContent('[data-testid="reply-stats"]'), { timeout: 15_000 })
      .toMatch(/completion tokens/);
    expect(await reply.textContent()).toBe('The answer is 4.'); // the test upstream's answer to "What is 2+2?"
    expect(await reply.locator('.token').count()).toBeGreaterThan(1);
    const chat = requests.find(
      (r) => r.url() === `http://127.0.0.1:${h.gatewayPort}/v1/chat/completions` && r.method() === 'POST',
    );
    // Cross-origin from the dashboard to the gateway: the browser's own CORS path, answered by the gateway.
    expect((await chat!.allHeaders()).origin).toBe(h.origin);
    expect((await (await chat!.response())!.allHeaders())['access-control-allow-origin']).toBeTruthy();
    await shot('playground');
  });

  it('shows the chat in the usage charts', async () => {
    await go('usage');
    await expect
      .poll(
        async () => {
          await page.click('#panel-usage button:has-text("Refresh")');
          await page.waitForTimeout(300);
          return (
            (await page
              .locator('[data-testid="usage-rows"]')
              .textContent()
              .catch(() => '')) ?? ''
          );
        },
        { timeout: 15_000, interval: 500 },
      )
      .toContain('ui-test');
    expect(Number(await page.textContent('[data-testid="usage-requests"]'))).toBeGreaterThan(0);
    expect(await page.locator('#panel-usage figure.chart').count()).toBe(4);
    expect(await page.locator('#panel-usage polyline.series').count()).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid="usage-rows"]')).toContain('ui-test');
    await shot('usage');
  });

  it('shows the embedded gateway log with a filter', async () => {
    await go('logs');
    await expect.poll(() => page.textContent('[data-testid="log-lines"]'), { timeout: 10_000 }).toMatch(/INFO/);
    await page.fill('#panel-logs input[type="search"]', 'LISTENING');
    expect(await page.textContent('[data-testid="log-lines"]')).toContain('gateway listening');
    await page.fill('#panel-logs input[type="search"]', 'no line has this');
    expect(await page.textContent('[data-testid="log-lines"]')).toBe('(no lines)');
    await page.fill('#panel-logs input[type="search"]', '');
    await shot('logs');
  });

  it('creates a key with allowed client IPs, refuses a bad rule where it was typed, and changes the list in place', async () => {
    await go('keys');
    await page.fill('#panel-keys input[name="name"]', 'ui-ip');
    await page.fill('#panel-keys input[name="allowed_ips"]', '10.0.0.0/99');
    await page.click('#panel-keys button[type="submit"]');
    await page.locator('#panel-keys form', { hasText: "'10.0.0.0/99' is not an IPv4/IPv6 address or CIDR" }).waitFor();
    await page.fill('#panel-keys input[name="allowed_ips"]', '127.0.0.2, 10.0.0.0/8');
    await page.click('#panel-keys button[type="submit"]');
    const secret = page.locator('[data-testid="new-key"]');
    await secret.waitFor();
    const bound = await secret.inputValue();
    await page.locator('#panel-keys .created button', { hasText: 'Done' }).click();
    const row = page.locator('[data-testid="keys"] tr', { hasText: 'ui-ip' });
    await row.waitFor();
    expect(await row.textContent()).toContain('127.0.0.2, 10.0.0.0/8');
    // The page's own fetch comes from 127.0.0.1: not on the list.
    const models = () =>
      fetch(`http://127.0.0.1:${h.gatewayPort}/v1/models`, { headers: { authorization: `Bearer ${bound}` } });
    expect((await models()).status).toBe(403);
    await row.locator('button', { hasText: 'IPs' }).click();
    const dialog = page.locator('#panel-keys .confirm');
    await dialog.locator('input').fill('127.0.0.0/8');
    await dialog.locator('button', { hasText: 'Save IPs' }).click();
    await expect.poll(async () => (await row.textContent()) ?? '').toContain('127.0.0.0/8');
    expect((await models()).status).toBe(200);
  });

  it('revokes the key after a confirmation', async () => {
    await go('keys');
    const row = page.locator(`[data-testid="keys"] tr[data-key="${keyId}"]`);
    await row.locator('button', { hasText: 'Revoke' }).click();
    const confirm = page.locator('#panel-keys .confirm');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('ui-test');
    await confirm.locator('button', { hasText: 'Revoke' }).click();
    await expect
      .poll(() => page.locator(`[data-testid="keys"] tr[data-key="${keyId}"]`).getAttribute('data-status'))
      .toBe('revoked');
    const res = await fetch(`http://127.0.0.1:${h.gatewayPort}/v1/models`, {
      headers: { authorization: `Bearer ${plaintext}` },
    });
    expect(res.status).toBe(401);
  });

  it('is readable at 400 px: no horizontal scroll on any panel; the dark theme applies', async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    for (const panel of ['overview', 'models', 'keys', 'readiness', 'usage', 'logs', 'playground']) {
      await go(panel);
      await page.waitForTimeout(150);
      const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      expect(width, `${panel} at 400 px`).toBeLessThanOrEqual(400);
    }
    await go('overview');
    await shot('overview-400px');
    await page.click('#theme-toggle'); // auto → light
    await page.click('#theme-toggle'); // light → dark
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(17, 20, 24)');
    await shot('overview-400px-dark');
    // Keyboard: the nav links are reachable with Tab.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBeTruthy();
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
