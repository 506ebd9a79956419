// The Hosts panel in headless Chromium: `llm-gateway serve --start` (embedded gateway) against the test upstream.
// It lists each Ollama host with its state, load and loaded models (from /api/ps), and shows a host that goes away.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, startHarness, type UiHarness } from './harness.js';

let h: UiHarness;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  h = await startHarness();
  context = await h.browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  await context?.close();
  await h?.close();
});

describe('Hosts panel', () => {
  it('shows each Ollama host with its state, load and the models it has loaded', async () => {
    // Another client used the model on this host: Ollama lists it in /api/ps until its keep_alive runs out.
    const warm = await fetch(`${h.upstream.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2:1b', keep_alive: '30m' }),
    });
    expect(warm.status).toBe(200);
    await page.goto(h.dashboardUrl);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('nav a[data-panel="hosts"]');
    const host = page.locator('[data-testid="host"][data-host="upstream 1"]');
    await host.waitFor();
    expect(await host.locator('[data-testid="host-state"]').textContent()).toBe('up');
    expect(await host.textContent()).toContain(h.upstream.url);
    expect(await host.locator('[data-testid="host-load"]').textContent()).toBe('0 in flight');
    // The gateway re-reads /api/ps every UPSTREAM_PS_INTERVAL_MS (5 s) and the panel every 3 s.
    await expect
      .poll(() => host.locator('[data-testid="host-models"]').textContent(), { timeout: 20_000 })
      .toContain('llama3.2:1b');
    expect(await host.locator('[data-testid="host-models"]').textContent()).toMatch(/in (29|30)m/);
    expect(await page.textContent('[data-testid="hosts-replica"]')).toContain('embedded');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hosts.png'), fullPage: true });
  });

  it('shows a host that stopped answering as down', async () => {
    await h.upstream.close();
    const state = page.locator('[data-testid="host"][data-host="upstream 1"] [data-testid="host-state"]');
    // Two failed health probes (UPSTREAM_HEALTH_INTERVAL_MS, 5 s) at most before the gateway marks it down.
    await expect.poll(() => state.textContent(), { timeout: 30_000 }).toBe('down');
    expect(pageErrors).toEqual([]);
  });
});
