// Debian's chromium driven by playwright-core, as a user's browser. The flags keep Chromium
// from reaching out to Google's services, which this machine's closed network refuses.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface TestBrowser {
  readonly browser: Browser;
  /** A fresh context (its own cookies) that accepts the tests' self-signed certificates. */
  context(): Promise<BrowserContext>;
  /** A page in a fresh context, with every console error and uncaught page error collected in
   *  `problems`: the CSP is enforced in the browser, so an inline script or style shows up there. */
  watchedPage(): Promise<{ ctx: BrowserContext; page: Page; problems: string[] }>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install the Debian package chromium (apt-get install chromium)`);
  // playwright refuses --user-data-dir with launch(); it makes (and removes) a temporary profile itself.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = () => browser.newContext({ ignoreHTTPSErrors: true });
  return {
    browser,
    context,
    async watchedPage() {
      const ctx = await context();
      const page = await ctx.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      return { ctx, page, problems };
    },
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}
