// The Subscribers and Routes pages in a real browser (Debian's chromium through
// playwright-core) against a real pserver and sipd: a subscriber added in the GUI
// registers a sipp phone with its password; a routes CSV with a bad line shows the line
// and imports nothing, a good one imports, and sipd routes a sipp call by it; markup in
// a name shows as text.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import type { TestBrowser } from '../helpers/browser.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import { FIXTURES, freePort, makeServerRoot, runBin, showRun } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';
import { startPserver, WebClient } from '../helpers/web.js';
import type { TestPserver } from '../helpers/web.js';

const S = (name: string) => path.join(FIXTURES, 'sipp', `${name}.xml`);
const ADMIN_PW = 'admin-password-1';
const MARKUP = '<script>alert(1)</script>';

describe('Subscribers and Routes in the browser, with sipd and sipp', () => {
  let sipd: { sr: ServerRoot; port: number };
  let ps: TestPserver;
  let tb: TestBrowser;
  let page: Page;

  before(async () => {
    // A real sipd process (sip start), so pserver reaches it over its control socket as in production.
    const port = await freePort();
    sipd = { sr: makeServerRoot(port, ['Cisco_Registry On', 'Cisco_Routing On', 'Authentication On', 'AddRecordRoute On', 'SipT1InMs 100', 'DebugFlag Routing On']), port };
    const started = await runBin('sip', ['start', '-f', sipd.sr.conf]);
    assert.equal(started.code, 0, showRun(started));
    ps = await startPserver({ sipdConf: sipd.sr.conf });
    await new WebClient(ps.url).firstLogin('cspsuser', ps.initialPassword!, ADMIN_PW);
    tb = await launchBrowser();
    page = await (await tb.context()).newPage();
    page.on('dialog', (d) => void d.dismiss()); // an alert() would mean the markup ran
    await page.goto(`${ps.url}/login`);
    await page.fill('input[name=user]', 'cspsuser');
    await page.fill('input[name=password]', ADMIN_PW);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('form.login button[type=submit]')]);
  });
  after(async () => {
    await tb?.close();
    await ps?.stop();
    if (sipd) {
      await runBin('sip', ['stop', '-f', sipd.sr.conf]);
      sipd.sr.remove();
    }
  });

  test('a subscriber added in the GUI registers a sipp phone with its password; its name shows as text', async () => {
    const alerts: string[] = [];
    page.on('dialog', (d) => void alerts.push(d.message()));
    await page.goto(`${ps.url}/subscribers/new`);
    await page.fill('input[name=user]', 'carol');
    await page.fill('input[name=password]', 'carol-secret');
    await page.fill('input[name=firstName]', MARKUP);
    await page.fill('input[name=lastName]', 'Jones');
    await Promise.all([page.waitForLoadState(), page.click('#subscriber-form button[type=submit]')]);
    assert.match((await page.textContent('#ok')) ?? '', /Subscriber carol added/);
    const row = page.locator('#subscribers tbody tr', { hasText: 'carol' });
    assert.equal(await row.locator('td').nth(2).textContent(), MARKUP);
    assert.deepEqual(alerts, []);
    // A wrong password is refused, the one set in the GUI accepted.
    const register = (password: string, expect: number) =>
      runUac({ scenario: S('auth-register'), target: { port: sipd.port }, keys: { user: 'carol', domain: `127.0.0.1:${sipd.port}`, expires: 300, expect }, extraArgs: ['-au', 'carol', '-ap', password] });
    const bad = await register('wrong', 401);
    assert.equal(bad.code, 0, describePeer(bad));
    const good = await register('carol-secret', 200);
    assert.equal(good.code, 0, describePeer(good));
    // The registration shows on the Registry page.
    await page.goto(`${ps.url}/registry?field=aor&op=starts&q=carol`);
    assert.match((await page.textContent('#registry tbody')) ?? '', /carol@127\.0\.0\.1/);
  });

  test('a routes CSV with a bad line shows the line and imports nothing; a good one imports and sipd routes a call by it', async () => {
    const uas = await startUas({ scenario: S('uas-answer'), timeoutS: 30 });
    try {
      const upload = async (csv: string) => {
        await page.goto(`${ps.url}/routes`);
        await page.setInputFiles('input[name=file]', { name: 'routes.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
        await Promise.all([page.waitForLoadState(), page.click('form[enctype="multipart/form-data"] button[type=submit]')]);
      };
      const good = `pattern,type,nextHop,port\n+1408.......,phone,127.0.0.1,${uas.port}\n+1303*,phone,gw.example.com,5060\n`;
      await upload(good.replace('+1303*,phone,gw.example.com,5060', '+1303*,phone,gw.example.com,99999'));
      assert.match((await page.textContent('#message')) ?? '', /1 error; nothing was imported/);
      assert.match((await page.textContent('#import-errors')) ?? '', /line 3: port/);
      await page.goto(`${ps.url}/routes?field=pattern&op=equals&q=${encodeURIComponent('+1408.......')}`);
      assert.match((await page.textContent('#routes tbody')) ?? '', /No routes match/);
      await upload(good);
      assert.match((await page.textContent('#ok')) ?? '', /Imported 2 routes \(2 new, 0 replaced\)/);
      assert.match((await page.textContent('#routes tbody')) ?? '', /\+1408\.{7}/);
      const call = await runUac({
        scenario: S('auth-call'),
        target: { port: sipd.port },
        keys: { ruri: `sip:+14085550100@127.0.0.1:${sipd.port};user=phone`, caller: 'carol' },
        pauseMs: 200,
        timeoutS: 15,
        extraArgs: ['-au', 'carol', '-ap', 'carol-secret'],
      });
      assert.equal(call.code, 0, `${describePeer(call)}\n--- sipd error_log ---\n${sipd.sr.readErrorLog().slice(-3000)}`);
      const callee = await uas.done;
      assert.equal(callee.code, 0, `the gateway of the imported route took the call\n${describePeer(callee)}`);
    } finally {
      await uas.stop();
    }
  });

  test('Delete asks first: cancelled, nothing is sent; confirmed, the route is gone', async () => {
    const api = new WebClient(ps.url);
    await api.login('cspsuser', ADMIN_PW);
    const routes = async () => (await api.get('/api/routes?field=pattern&op=equals&q=%2B1303*', { headers: { accept: 'application/json' } })).json<{ count: number }>().count;
    assert.equal(await routes(), 1, 'the route imported by the test before');
    // A second tab of the signed-in browser, so that the dialog handler is this test's alone.
    const p = await page.context().newPage();
    const asked: string[] = [];
    let answer: 'dismiss' | 'accept' = 'dismiss';
    p.on('dialog', (d) => {
      asked.push(d.message());
      void (answer === 'accept' ? d.accept() : d.dismiss());
    });
    await p.goto(`${ps.url}/routes?field=pattern&op=equals&q=${encodeURIComponent('+1303*')}`);
    const del = p.locator('#routes tbody tr', { hasText: 'gw.example.com' }).getByRole('button', { name: 'Delete' });
    await del.click();
    assert.deepEqual(asked, ['Delete the route +1303* to gw.example.com?']);
    assert.equal(await routes(), 1, 'cancelled: the route is still there');
    answer = 'accept';
    await del.click();
    // htmx sends the form and puts the answer (the list, with its message) in place of the page.
    await p.locator('#ok', { hasText: 'Route deleted.' }).waitFor({ timeout: 15_000 });
    assert.equal(asked.length, 2);
    assert.equal(await routes(), 0, 'confirmed: the route was deleted');
    await p.close();
  });
});
