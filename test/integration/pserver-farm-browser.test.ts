// The guide's Farm/Proxies and Proxy Control steps in a real browser (Debian's chromium)
// against a real sipd and pserver: change a directive, see "graceful" required, press
// Graceful Restart; sipd keeps its pid and runs the new value (its control socket reports
// the log level it writes with). A bad value is refused with sipd -t's message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readPid } from '../../src/common/pidfile.js';
import { controlRequest } from '../../src/server/control.js';
import { launchBrowser } from '../helpers/browser.js';
import type { TestBrowser } from '../helpers/browser.js';
import { forceStopSipd, freePort, makeServerRoot, runBin } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';
import { REPO } from '../helpers/paths.js';
import { startPserver } from '../helpers/web.js';
import type { TestPserver } from '../helpers/web.js';

async function screenshot(page: { screenshot(o: { path: string; fullPage?: boolean }): Promise<unknown> }, name: string): Promise<void> {
  if (process.env.OPENSPS_SCREENSHOTS === '1') await page.screenshot({ path: path.join(REPO, 'docs', 'img', name), fullPage: true });
}

describe('Farm/Proxies and Proxy Control in chromium', () => {
  let sr: ServerRoot;
  let ps: TestPserver;
  let browser: TestBrowser;

  before(async () => {
    sr = makeServerRoot(await freePort());
    const r = await runBin('sip', ['start', '-f', sr.conf]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    ps = await startPserver({ sipdConf: sr.conf });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await ps?.stop();
    if (sr) {
      await forceStopSipd(sr);
      sr.remove();
    }
  });

  test('change LogLevel, see graceful required, press Graceful Restart: same pid, new level in effect', async () => {
    // Console errors include CSP violations (an inline script or style).
    const { ctx, page, problems } = await browser.watchedPage();

    await page.goto(`${ps.url}/login`);
    await page.fill('input[name=user]', 'cspsuser');
    await page.fill('input[name=password]', ps.initialPassword!);
    await Promise.all([page.waitForURL(/\/password$/), page.click('button[type=submit]')]);
    await page.fill('input[name=oldPassword]', ps.initialPassword!);
    await page.fill('input[name=newPassword]', 'browser-farm-1');
    await page.fill('input[name=confirm]', 'browser-farm-1');
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/password')), page.click('main button[type=submit]')]);

    const ctl = sr.pidFile.replace(/\.pid$/, '.ctl');
    const pid = readPid(sr.pidFile);
    assert.equal((await controlRequest(ctl, { cmd: 'status' })).logLevel, 'info');

    await page.click('nav a:has-text("Farm/Proxies")');
    await page.click('.tabs a:has-text("Debug and Logs")');
    await page.waitForURL(/\/farm\/debug-and-logs$/);
    assert.match((await page.textContent('#members')) ?? '', /this host\s+running/);
    assert.equal((await page.textContent('#members .required-operation'))?.trim(), 'none');

    // A bad value: the page comes back with sipd -t's message at the field; nothing is saved.
    await page.fill('#in-SIPStatsInterval', '0');
    await page.click('#tab-form button[type=submit]');
    assert.match((await page.textContent('#field-SIPStatsInterval .field-error')) ?? '', /sipd\.conf:\d+:\d+: SIPStatsInterval: 0 is out of range; valid: 1 to 86400/);
    assert.equal((await page.textContent('#members .required-operation'))?.trim(), 'none');
    // That page came with status 400, which chromium logs as a console error; later ones count.
    assert.deepEqual(problems, ['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    problems.length = 0;

    await page.goto(`${ps.url}/farm/debug-and-logs`);
    await page.selectOption('#in-LogLevel', 'debug');
    await page.click('#tab-form button[type=submit]');
    assert.match((await page.textContent('p.ok')) ?? '', /Saved .*LogLevel/);
    assert.equal(await page.textContent('#members .required-operation .needs-graceful'), 'graceful');
    await screenshot(page, 'gui-farm.png');

    await page.click('a:has-text("Go to Proxy Control")');
    await page.waitForURL(/\/control$/);
    assert.equal(await page.textContent('#control .required-operation .needs-graceful'), 'graceful');
    await page.click('#control button:has-text("Graceful Restart")');
    await page.waitForSelector('#outcome');
    assert.match((await page.textContent('#outcome')) ?? '', /graceful: done/);
    assert.equal((await page.textContent('#control .required-operation'))?.trim(), 'none');
    assert.equal((await page.textContent('#control .pid'))?.trim(), String(pid));
    await screenshot(page, 'gui-control.png');

    assert.equal(readPid(sr.pidFile), pid, 'a graceful restart keeps the process');
    assert.equal((await controlRequest(ctl, { cmd: 'status' })).logLevel, 'debug', 'sipd writes at the new level');

    await page.click('nav a:has-text("Dashboard")');
    await page.waitForSelector('#charts .uplot');
    await screenshot(page, 'gui-dashboard.png');
    assert.deepEqual(problems, []);
    await ctx.close();
  });
});
