// Dr-Web in a real ciagent (-f --http): a browser (Debian's chromium through playwright-core)
// signs in with an httpUserNameEntry user, starts and stops a critical application from the
// Critical Application Monitor page, and snmptrapd receives critAppProcStarted and
// critAppProcExited. The same stop through snmpset leaves the same state and sends the same
// trap. An administrator changes the CPU trigger's thresholds on the page and SNMP reads
// them (and the reverse). A read-only user sees no buttons and is refused by the API; the
// other pages show the log monitor, host resources and applications.
// A copy of /bin/sleep under a unique name is the application compared with snmpset; a real
// sipd (entry 2, through the `sip` control script) is started and stopped from the page too.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO, freePort, runBin, waitFor } from '../helpers/index.js';
import { makeServerRoot, processesMentioning } from '../helpers/serverroot.js';
import { launchBrowser } from '../helpers/browser.js';
import type { TestBrowser } from '../helpers/browser.js';
import { cpuThresholdEventagtCnf, lines, restartableCiagent, snmp, startTrapd, trapSinkSnmpdCnf } from '../unit/agent/snmp-tools.js';
import { hashedUserLine } from '../../src/agent/web/index.js';
import { OID } from '../../src/agent/oids.js';
import { readPid } from '../../src/common/pidfile.js';

const E = OID.critAppProcEntry;
const TRAP_OID = '.1.3.6.1.6.3.1.1.4.1.0 = OID: ';

let browser: TestBrowser | undefined;

/** With OPENSPS_SCREENSHOTS=1 the pages are saved in docs/img for docs/gui.md (as the pserver browser test does). */
async function shot(page: { screenshot(o: { path: string; fullPage: boolean }): Promise<unknown> }, name: string): Promise<void> {
  if (process.env.OPENSPS_SCREENSHOTS === '1') await page.screenshot({ path: path.join(REPO, 'docs', 'img', `drweb-${name}.png`), fullPage: true });
}
after(async () => browser?.close());

/** The varbinds of each trap line with this OID, the time and pid cells left out (they differ by nature). */
function trapsOf(out: string, oid: string): string[] {
  return out
    .split('\n')
    .filter((l) => l.includes(`${TRAP_OID}.${oid}`))
    .map((l) => l.split(/\t|~ /).filter((v) => v.startsWith(`.${E}.`) && !/^\.\S+\.(12|13|14)\.1 = /.test(v)).join(' | '));
}

test('Dr-Web: sign in, start and stop a critical application from the page, traps as with snmpset', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-drweb-'));
  const name = `fweb${process.pid % 100000}`;
  const bin = path.join(dir, name);
  copyFileSync('/bin/sleep', bin);
  const logFile = path.join(dir, 'app.log');
  writeFileSync(logFile, 'first line\n');
  const [agentPort, trapPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  const admin = await hashedUserLine('admin', 'SystemAdmin', 'admin password 1');
  const viewer = await hashedUserLine('viewer', 'ReadOnly', 'viewer password 1');
  assert.ok('line' in admin && 'line' in viewer);
  writeFileSync(path.join(dir, 'snmpd.cnf'), `${trapSinkSnmpdCnf(trapPort)}${admin.line}\n${viewer.line}\n`);
  // Entry 2 is a real sipd, started and stopped with our `sip` control script as the shipped
  // critagt.cnf does; its pid file tells it from other tests' sipd.
  const sr = makeServerRoot(await freePort());
  const sip = `'${process.execPath}' '${path.join(BIN, 'sip')}'`;
  writeFileSync(
    path.join(dir, 'critagt.cnf'),
    [
      `critAppProcEntry 1 ${name} "exec ${bin} 600" - 2 false 3000 true true true`,
      `critAppProcEntry 2 sipd "${sip} start -f '${sr.conf}'" "${sip} stop -f '${sr.conf}'" 2 false 3000 true true true ${sr.pidFile}`,
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'logagt.cnf'), `siLogGlobalPollInterval 1\nsiLogEntry 1 "test log" ${logFile} "ERROR" 2 0 0 0 - 1 0 200 - 1 1 2 csps 1\n`);
  writeFileSync(path.join(dir, 'eventagt.cnf'), cpuThresholdEventagtCnf(`${OID.hrProcessorLoad}.1`, 90, 70));
  const trapd = await startTrapd(dir, trapPort);
  const agent = restartableCiagent(dir, agentPort, `${OID.critAppNumProcs}.0`, ['--http', `127.0.0.1:${httpPort}`]);
  const base = `http://127.0.0.1:${httpPort}`;
  const snmpget = async (oid: string) => lines((await snmp('snmpget', ['-v2c', '-c', 'cspsAdmin', agent.target, oid])).stdout)[0]?.[1];
  const pidOf = async () => Number((await snmpget(`${E}.12.1`))?.replace('INTEGER: ', ''));
  try {
    await agent.launch();
    browser = await launchBrowser();
    // Console errors include CSP violations (an inline script or style).
    const { ctx, page, problems } = await browser.watchedPage();

    // Not signed in: the page sends us to the login.
    await page.goto(`${base}/critapp`);
    assert.match(page.url(), /\/login\?next=%2Fcritapp$/);
    await page.fill('input[name=user]', 'admin');
    await page.fill('input[name=password]', 'wrong password 1');
    await page.click('button[type=submit]');
    assert.match(await page.textContent('body') ?? '', /wrong user name or password/);
    await page.fill('input[name=user]', 'admin');
    await page.fill('input[name=password]', 'admin password 1');
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/critapp`);
    const oper = () => page.getAttribute('tr[data-row="1"] [data-oper]', 'data-oper');
    assert.equal(await page.textContent('tr[data-row="1"] td:nth-child(2)'), name);
    assert.equal(await oper(), 'down');

    // Start from the page: the process runs, SNMP sees it, the trap arrives.
    await page.click('tr[data-row="1"] button[value=up]');
    await page.waitForURL(/\/critapp\?did=up&row=1$/);
    assert.match(await page.textContent('[role=status]') ?? '', new RegExp(`${name}: intended status set to up`));
    // No reload: the table refreshes itself (htmx polls /critapp every 2 s).
    await waitFor('the page to show the application up', async () => (await oper()) === 'up', 20_000, 250);
    assert.equal(await snmpget(`${E}.5.1`), 'INTEGER: 1', 'critAppAdminStatus.1 up');
    assert.equal(await snmpget(`${E}.11.1`), 'INTEGER: 1', 'critAppOperStatus.1 up');
    const pid = await pidOf();
    assert.ok(pid > 0);
    await shot(page, 'critapp');
    await waitFor('critAppProcStarted at snmptrapd', () => trapsOf(trapd.output(), OID.critAppProcStarted).length === 1, 15_000);

    // Stop from the page.
    await page.click('tr[data-row="1"] button[value=down]');
    await page.waitForURL(/\/critapp\?did=down&row=1$/);
    await waitFor('the page to show the application down', async () => (await page.reload(), (await oper()) === 'down'), 20_000, 500);
    await waitFor('critAppProcExited at snmptrapd', () => trapsOf(trapd.output(), OID.critAppProcExited).length === 1, 15_000);
    const webState = [await snmpget(`${E}.5.1`), await snmpget(`${E}.11.1`), await snmpget(`${E}.15.1`)];
    assert.deepEqual(webState.slice(0, 2), ['INTEGER: 2', 'INTEGER: 2']);
    const log = readFileSync(agent.logFile, 'utf8');
    assert.match(log, new RegExp(`Dr-Web audit: admin: critapp start: ${name} \\(critAppProcEntry 1\\)`));
    assert.match(log, new RegExp(`Dr-Web audit: admin: critapp stop: ${name} \\(critAppProcEntry 1\\)`));

    // The same start and stop through snmpset: same state, same traps.
    await agent.set(`${E}.5.1`, 'i', '1');
    await waitFor('critAppOperStatus.1 up after snmpset', async () => (await snmpget(`${E}.11.1`)) === 'INTEGER: 1', 20_000, 300);
    await waitFor('the second critAppProcStarted', () => trapsOf(trapd.output(), OID.critAppProcStarted).length === 2, 15_000);
    await agent.set(`${E}.5.1`, 'i', '2');
    await waitFor('critAppOperStatus.1 down after snmpset', async () => (await snmpget(`${E}.11.1`)) === 'INTEGER: 2', 20_000, 300);
    await waitFor('the second critAppProcExited', () => trapsOf(trapd.output(), OID.critAppProcExited).length === 2, 15_000);
    assert.deepEqual([await snmpget(`${E}.5.1`), await snmpget(`${E}.11.1`), await snmpget(`${E}.15.1`)], webState);
    const started = trapsOf(trapd.output(), OID.critAppProcStarted);
    const exited = trapsOf(trapd.output(), OID.critAppProcExited);
    assert.equal(started[0], started[1], 'critAppProcStarted: the same from the page and from snmpset');
    assert.equal(exited[0], exited[1], 'critAppProcExited: the same from the page and from snmpset');
    assert.match(exited[0], new RegExp(`\\.${E}\\.2\\.1 = STRING: "${name}"`));
    assert.match(exited[0], new RegExp(`\\.${E}\\.5\\.1 = INTEGER: 2`));
    await page.reload();
    assert.equal(await oper(), 'down', 'the page shows what SNMP did');

    // sipd itself, as the guide does it: Start on its row runs `sip start`, Stop `sip stop`.
    const sipdOper = () => page.getAttribute('tr[data-row="2"] [data-oper]', 'data-oper');
    const sipdTraps = (oid: string) => trapsOf(trapd.output(), oid).filter((t) => t.includes(`.${E}.2.2 = STRING: "sipd"`));
    assert.equal(await sipdOper(), 'down');
    await page.click('tr[data-row="2"] button[value=up]');
    await page.waitForURL(/\/critapp\?did=up&row=2$/);
    await waitFor('sipd up on the page', async () => (await page.reload(), (await sipdOper()) === 'up'), 60_000, 500);
    assert.equal(await snmpget(`${E}.12.2`), `INTEGER: ${readPid(sr.pidFile)}`, 'critAppProcessId.2 is the pid in sipd.pid');
    await waitFor('critAppProcStarted for sipd', () => sipdTraps(OID.critAppProcStarted).length === 1, 15_000);
    await page.click('tr[data-row="2"] button[value=down]');
    await page.waitForURL(/\/critapp\?did=down&row=2$/);
    await waitFor('sipd down on the page', async () => (await page.reload(), (await sipdOper()) === 'down'), 60_000, 500);
    await waitFor('critAppProcExited for sipd', () => sipdTraps(OID.critAppProcExited).length === 1, 15_000);
    assert.equal(readPid(sr.pidFile), undefined, 'sip stop removed the pid file');

    // The other pages.
    await page.goto(`${base}/logs`);
    assert.equal(await page.textContent('#logs-table tr[data-row="1"] td:nth-child(2)'), logFile);
    await page.goto(`${base}/thresholds`);
    assert.match(await page.textContent('#thresholds-table') ?? '', /cpuLoad[\s\S]*hrProcessorLoad\.1[\s\S]*90[\s\S]*70/);
    await page.waitForSelector('#load-chart[data-points] canvas', { timeout: 20_000 });
    await shot(page, 'thresholds');
    // An administrator changes the CPU trigger's thresholds: SNMP reads the new values, and a
    // snmpset of them shows on the page (one row, two ways in).
    const octets = (t: string) => [...t].map((c) => c.charCodeAt(0)).join('.');
    const trigger = `4.${octets('test')}.${octets('cpuLoad')}`; // INDEX { mteOwner, IMPLIED mteTriggerName }
    const [risingOid, fallingOid] = [2, 3].map((c) => `1.3.6.1.2.1.88.1.2.6.1.${c}.${trigger}`);
    const form = 'form[data-trigger="test/cpuLoad"]';
    await page.fill(`${form} input[name=rising]`, '95');
    await page.fill(`${form} input[name=falling]`, '75');
    await page.click(`${form} button[type=submit]`);
    await page.waitForURL(/\/thresholds\?saved=test%2FcpuLoad$/);
    assert.match(await page.textContent('[role=status]') ?? '', /test\/cpuLoad: rising 95, falling 75/);
    assert.deepEqual([await snmpget(risingOid), await snmpget(fallingOid)], ['INTEGER: 95', 'INTEGER: 75']);
    await agent.set(risingOid, 'i', '97');
    await page.reload();
    assert.equal(await page.inputValue(`${form} input[name=rising]`), '97');
    assert.match(readFileSync(agent.logFile, 'utf8'), /Dr-Web audit: admin: threshold change: test\/cpuLoad: rising 95, falling 75 \(were 90, 70\)/);
    await page.goto(`${base}/host`);
    assert.ok((await page.locator('#processors-table tbody tr').count()) >= 1);
    assert.match(await page.textContent('#storage-table') ?? '', /ram/);
    await shot(page, 'host');
    await page.goto(`${base}/applications`);
    assert.match(await page.textContent('#runs-table') ?? '', /ciagent/);

    // The wrong password at the start is the one expected error (the login page's 401).
    assert.deepEqual(problems.filter((p) => !/status of 401/.test(p)), [], 'no console or CSP errors');

    // A read-only user: no buttons on the page, and the API refuses the change.
    const ro = await browser.context();
    const roPage = await ro.newPage();
    await roPage.goto(`${base}/login`);
    await roPage.fill('input[name=user]', 'viewer');
    await roPage.fill('input[name=password]', 'viewer password 1');
    await roPage.click('button[type=submit]');
    await roPage.goto(`${base}/critapp`);
    assert.equal(await roPage.locator('tr[data-row="1"] button').count(), 0);
    await roPage.goto(`${base}/thresholds`);
    assert.equal(await roPage.locator('form[data-trigger]').count(), 0, 'no thresholds form for read-only');
    const token = await roPage.evaluate(async () => {
      const r = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'viewer', password: 'viewer password 1' }) });
      return ((await r.json()) as { csrfToken: string }).csrfToken;
    });
    const refused = await roPage.evaluate(async (t) => {
      const r = await fetch('/api/critapp/1/admin', { method: 'PUT', headers: { 'content-type': 'application/json', 'x-csrf-token': t }, body: JSON.stringify({ status: 'up' }) });
      return r.status;
    }, token);
    assert.equal(refused, 403);
    assert.equal(await snmpget(`${E}.5.1`), 'INTEGER: 2', 'the refused call changed nothing');
    await ro.close();
    await ctx.close();
  } finally {
    await agent.kill();
    await runBin('sip', ['stop', '-f', sr.conf], 30_000);
    sr.remove();
    for (const pid of processesMentioning(bin)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await trapd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
