import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

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
