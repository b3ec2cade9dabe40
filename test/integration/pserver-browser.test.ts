// pserver in a real browser (Debian's chromium): the first login is sent to the password
// change, and only after it does the user reach the start page. The CSP is enforced by the
// browser here, so a violation (inline script or style) shows up as a console error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchBrowser } from '../helpers/browser.js';
import type { TestBrowser } from '../helpers/browser.js';
import { REPO } from '../helpers/paths.js';
import { startPserver } from '../helpers/web.js';
import type { TestPserver } from '../helpers/web.js';

/** docs/gui.md's screenshots are refreshed only on request, so a test run leaves the checkout clean. */
async function screenshot(page: { screenshot(o: { path: string; fullPage?: boolean }): Promise<unknown> }, name: string): Promise<void> {
  if (process.env.OPENSPS_SCREENSHOTS === '1') await page.screenshot({ path: path.join(REPO, 'docs', 'img', name), fullPage: true });
}

describe('pserver in chromium', () => {
  let ps: TestPserver;
  let browser: TestBrowser;

  before(async () => {
    ps = await startPserver();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await ps?.stop();
  });

  test('first login forces the password change, then the user reaches the start page', async () => {
    // Console errors include CSP violations (an inline script or style).
    const { ctx, page, problems } = await browser.watchedPage();

    await page.goto(`${ps.url}/accounts`);
    assert.match(page.url(), /\/login\?next=%2Faccounts$/);
    await screenshot(page, 'gui-login.png');
    await page.fill('input[name=user]', 'cspsuser');
    await page.fill('input[name=password]', ps.initialPassword!);
    await Promise.all([page.waitForURL(/\/password$/), page.click('button[type=submit]')]);
    assert.match((await page.textContent('main')) ?? '', /initial password/);

    // Going elsewhere first is not possible.
    await page.goto(`${ps.url}/accounts`);
    assert.match(page.url(), /\/password$/);

    await page.fill('input[name=oldPassword]', ps.initialPassword!);
    await page.fill('input[name=newPassword]', 'browser-admin-1');
    await page.fill('input[name=confirm]', 'browser-admin-1');
    await Promise.all([page.waitForURL(/\/account$/), page.click('main button[type=submit]')]);
    assert.match((await page.textContent('h1')) ?? '', /My Account/);
    assert.match((await page.textContent('.whoami')) ?? '', /cspsuser/);

    await page.click('nav a:has-text("Administrator Accounts")');
    await page.waitForURL(/\/accounts$/);
    assert.match((await page.textContent('#accounts')) ?? '', /cspsuser/);
    await screenshot(page, 'gui-accounts.png');

    // htmx loaded and read its configuration; the browser reported no CSP violation.
    assert.equal(await page.evaluate('typeof htmx'), 'object');
    assert.deepEqual(problems, []);
    await ctx.close();
  });
});
