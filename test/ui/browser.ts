/**
 * Debian's chromium driven by playwright-core (never a downloaded browser): headless, no sandbox,
 * a fresh profile per launch. Tests skip, saying why, when /usr/bin/chromium is missing.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.KATIB_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_MISSING = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) or set KATIB_TEST_CHROMIUM`;

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'katib-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens `url` and waits until the page says it has drawn its data (see the web client's
 * `rendered`); resolves with that moment in ms since navigation started, as the browser measured it.
 */
export async function openAndMeasure(page: Page, url: string, pageName: string): Promise<number> {
  await page.goto(url);
  await page.waitForFunction((name) => document.documentElement.dataset.rendered === name, pageName, {
    timeout: 15_000,
  });
  return page.evaluate(
    (name) => performance.getEntriesByName(`katib:rendered:${name}`).at(-1)?.startTime ?? Number.NaN,
    pageName,
  );
}

/** Collects the page's uncaught errors and console errors (a test fails on any). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}
