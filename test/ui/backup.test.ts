// The Overview's Backups card in headless Chromium: `serve --start` in embedded mode shows no backup at first and
// the daily schedule from the settings; "Back up now" writes a real backup of embedded.db into the data folder and
// the card shows it as the last success (by hand, with its file).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, startHarness, type UiHarness } from './harness.js';

let h: UiHarness;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  h = await startHarness();
  context = await h.browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close();
  await h?.close();
});

describe('backups on the Overview', () => {
  it('shows the schedule and no backup yet', async () => {
    await page.goto(h.dashboardUrl);
    await page.waitForSelector('body[data-ready="true"]');
    const last = page.locator('[data-testid="backup-last"]');
    await last.filter({ hasText: 'No backup yet.' }).waitFor();
    expect(await page.locator('[data-testid="backup-schedule"]').textContent()).toMatch(
      /^Daily backup on, keeping the newest 7; next due/,
    );
  });

  it('"Back up now" writes a backup of the embedded database and shows it as the last success', async () => {
    await page.locator('[data-testid="backup"] button', { hasText: 'Back up now' }).click();
    const last = page.locator('[data-testid="backup-last"]');
    await last.filter({ hasText: 'Last backup:' }).waitFor();
    const text = (await last.textContent()) ?? '';
    expect(text).toMatch(/by hand — .*llm-gateway-embedded-\d{8}T\d{6}Z\.llmgw-backup$/);
    const file = text.slice(text.indexOf('— ') + 2);
    expect(path.dirname(file)).toBe(path.join(h.home, 'backups'));
    expect(existsSync(file)).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'overview-backup.png'), fullPage: true });
  });
});
