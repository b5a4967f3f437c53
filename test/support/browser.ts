/**
 * Headless Chromium for tests of the gateway's pages, driven by playwright-core with the system's
 * own browser (no download). Without one, browser tests are skipped, unless REQUIRE_BROWSER=1 (CI)
 * turns that into a failure.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * No GPU, no QUIC, no background calls home: the only traffic is what the page itself asks for.
 * Each launch gets a fresh profile: Playwright creates its own temporary --user-data-dir (it refuses
 * one passed in args) and removes it when the browser closes.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const INSTALL_HINT = 'install Chromium (`apt-get install chromium`) or point CHROMIUM_PATH at a Chromium or Chrome binary';

/** The browser binary: CHROMIUM_PATH if set, else the first of the usual system paths that exists. */
export function chromiumPath(): string | undefined {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return existsSync(configured) ? configured : undefined;
  return CHROMIUM_CANDIDATES.find((candidate) => existsSync(candidate));
}

const browserRequired = process.env.REQUIRE_BROWSER === '1';

/** A headless Chromium, or null when there is none and REQUIRE_BROWSER is not set. */
export async function launchBrowser(): Promise<Browser | null> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    if (!browserRequired) return null;
    const looked = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH (${process.env.CHROMIUM_PATH})` : CHROMIUM_CANDIDATES.join(', ');
    throw new Error(`REQUIRE_BROWSER=1 but no Chromium was found at ${looked}: ${INSTALL_HINT}.`);
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/** `describe` when a browser can run the tests (or one is required), else `describe.skip` with a word on how to get one. */
export const describeInBrowser: jest.Describe = (() => {
  if (chromiumPath() || browserRequired) return describe;
  console.warn(`Browser tests skipped: no Chromium found. To run them, ${INSTALL_HINT}.`);
  return describe.skip;
})();

/** Every request `page` makes from now on, in order, for asserting where the page went. */
function recordRequests(page: Page): Request[] {
  const requests: Request[] = [];
  page.on('request', (request) => requests.push(request));
  return requests;
}

/**
 * A fresh tab (its own sessionStorage) at `url`, with every request it makes and every error it
 * logs (console errors and uncaught exceptions), for asserting that a page behaved.
 */
export async function openPage(browser: Browser, url: string, viewport: { width: number; height: number }) {
  const page = await browser.newPage({ viewport });
  const requests = recordRequests(page);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(url);
  return { page, requests, problems };
}
