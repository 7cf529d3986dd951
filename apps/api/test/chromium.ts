import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Debian's chromium, driven by playwright-core (which bundles no browser): `apt-get install -y chromium`; .ci/run
 * installs it before `npm ci`.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the dashboard tests keep their screenshots. */
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', '..', 'test-output');

/** Headless Debian chromium for the dashboard tests; a clear error when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the dashboard tests drive Chromium at ${CHROMIUM}, which is missing: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
}

/** A headless Chromium and a page of the dashboard in it. */
export interface Dashboard {
  browser: Browser;
  page: Page;
}

/**
 * Launches Chromium and opens a dashboard page (1400 × 1000, its errors logged to the console). With `apiKey`,
 * signed in: opened on `baseUrl` with the key and returned once the sweeps are listed.
 */
export async function openDashboard(
  baseUrl: string,
  options: { apiKey?: string; acceptDownloads?: boolean } = {},
): Promise<Dashboard> {
  const { apiKey, ...contextOptions } = options;
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, ...contextOptions });
  page.on('pageerror', (error) => console.error('page error:', error));
  if (apiKey !== undefined) {
    await page.goto(`${baseUrl}/#key=${encodeURIComponent(apiKey)}`);
    await page.getByTestId('sweeps').waitFor();
  }
  return { browser, page };
}
