// The Overview's doctor card in headless Chromium: `serve` over a data folder whose stack.env is readable by other
// users (mode 0644) shows that failing check with its chmod fix; after the fix, "Check again" finds nothing and the
// card goes away. Checks that pass (Ollama at the test upstream, the embedded database) and, in embedded mode, the
// Docker-only checks are not listed.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, startHarness, type UiHarness } from './harness.js';

let h: UiHarness;
let context: BrowserContext;
let page: Page;
let stackEnv = '';

beforeAll(async () => {
  h = await startHarness({
    prepareHome: (home) => {
      stackEnv = path.join(home, 'stack.env');
      writeFileSync(stackEnv, 'ADMIN_TOKEN=0123456789abcdef\n');
      chmodSync(stackEnv, 0o644);
    },
  });
  context = await h.browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close();
  await h?.close();
});

describe('doctor on the Overview', () => {
  it('shows a failing check with its fix text, and not the passing ones', async () => {
    await page.goto(h.dashboardUrl);
    await page.waitForSelector('body[data-ready="true"]');
    const card = page.locator('[data-testid="doctor"]');
    await card.waitFor({ state: 'visible' });
    const secrets = card.locator('[data-check="files.secrets"]');
    await secrets.waitFor();
    expect(await secrets.textContent()).toContain(`${stackEnv} (mode 644)`);
    expect(await secrets.locator('.hint').textContent()).toBe(`Run \`chmod 600 '${stackEnv}'\`.`);
    expect(await card.locator('[data-check="ollama.host"]').count()).toBe(0);
    expect(await card.locator('[data-check="database.embedded"]').count()).toBe(0);
    // The gateway port is held by this app's own embedded gateway: not "in use by another program".
    expect(await card.locator('[data-check="ports.nginx"]').count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'overview-doctor.png'), fullPage: true });
  });

  it('embedded mode (chosen in the settings) lists no Docker-only check', async () => {
    const card = page.locator('[data-testid="doctor"]');
    for (const id of ['docker.engine', 'docker.compose', 'ollama.stack', 'ports.postgres', 'ports.redis', 'clock'])
      expect(await card.locator(`[data-check="${id}"]`).count()).toBe(0);
  });

  it('after the fix, "Check again" finds nothing wrong and the card goes away', async () => {
    chmodSync(stackEnv, 0o600);
    await page.locator('[data-testid="doctor"] button', { hasText: 'Check again' }).click();
    await page.locator('[data-testid="doctor"]').waitFor({ state: 'hidden', timeout: 15_000 });
    expect(await page.locator('[data-testid="doctor"] [data-check]').count()).toBe(0);
  });
});
