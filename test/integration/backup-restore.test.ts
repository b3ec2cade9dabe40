// Chapter 3 "How to Back Up and Restore Cisco SPS" on a server with the embedded stores
// (DB_MySQL Off), done the way an operator does it: the bin/ tools as processes, cp, and
// real user agents (sipp). Provision a subscriber, a static route and a registration on a
// running sipd; back up while it runs and while a provisioning writer keeps changing the
// subscriber files; lose the ServerRoot; restore into a new, empty one; and show with
// calls that everything came back.
//
// The order the tests run in is the order of the procedure: each builds on the last.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmbeddedSubscriberStore } from '../../src/stores/embedded/subscriber-store.js';
import { makeSecret } from '../../src/stores/secret.js';
import { REPO, freePort, makeServerRoot, runBin, runTool, showRun, waitFor } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer, SippPeerResult } from '../helpers/sip-peers.js';

/** Run one of the operator's bin/ tools, feeding `input` on standard input; killed after 60 s. */
const tool = (name: string, args: readonly string[], input = '') => runTool(name, args, { input });
const show = showRun;

function ok(r: SippPeerResult, what: string): void {
  assert.equal(r.code, 0, `${what}\n${describePeer(r)}`);
}

const PASSWORD = 'wonderland';
const PERSISTENT_TCP = '# gateways sipd keeps a TCP connection to (none in this lab)\n';

describe('ch. 3 backup and restore with the embedded stores (DB_MySQL Off)', () => {
  let port: number;
  /** Where alice's registered contact is; a sipp UAS answers there after the restore. */
  let alicePort: number;
  /** The gateway of the static route; a sipp UAS answers there after the restore. */
  let gatewayPort: number;
  let original: ServerRoot | undefined;
  let restored: ServerRoot | undefined;
  let backup: string;
  let writer: ChildProcess | undefined;
  /** How many subscribers the subscriber backup holds. */
  let backedUpSubscribers = 0;
  const peers: SippPeer[] = [];

  before(async () => {
    port = await freePort();
    alicePort = await freePort();
    gatewayPort = await freePort();
    backup = mkdtempSync(path.join(os.tmpdir(), 'sps-backup-'));
    // Callers on 127.0.0.2 are trusted (Satisfy Any); everyone else, the registering
    // phone on 127.0.0.1 included, must authenticate against the subscriber store.
    original = makeServerRoot(port, [
      'ProxyDomain example.com',
      'DB_MySQL Off',
      'Cisco_Registry On',
      'Cisco_Routing On',
      'Authentication On',
      'Satisfy Any',
      'Order Deny,Allow',
      'Deny from all',
      'Allow from 127.0.0.2',
      'SipT1InMs 100',
    ]);
    writeFileSync(path.join(original.root, 'conf', 'persistent_tcp.conf'), PERSISTENT_TCP);
    const started = await runBin('sip', ['start', '-f', original.conf]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
  });

  after(async () => {
    writer?.kill('SIGKILL');
    await Promise.all(peers.map((p) => p.stop()));
    for (const sr of [original, restored]) {
      if (!sr) continue;
      if (existsSync(sr.conf)) await runBin('sip', ['stop', '-f', sr.conf], 30_000);
      sr.remove();
    }
    rmSync(backup, { recursive: true, force: true });
  });

  const register = (password: string, expect: number) =>
    runUac({
      scenario: 'auth-register',
      target: { port },
      keys: { user: 'alice', domain: 'example.com', contact: `sip:alice@127.0.0.1:${alicePort}`, expires: 3600, expect },
      extraArgs: ['-au', 'alice', '-ap', password],
    });

  test('provision on the running server: a subscriber, a static route, a registration', async () => {
    const sr = original!;
    const add = await tool('sysadmin_mysql_user', ['--conf', sr.conf, 'add', '--user', 'alice', '--password-stdin', '--first', 'Alice'], `${PASSWORD}\n`);
    assert.equal(add.code, 0, show(add));
    const routes = path.join(sr.root, 'routes.csv');
    writeFileSync(routes, `pattern,type,nextHop,port,transport\n+1408.......,phone,127.0.0.1,${gatewayPort},UDP\n`);
    const imp = await tool('sysadmin_sps_regroute', ['-p', sr.conf, '-m', 'routing', '-i', routes]);
    assert.equal(imp.code, 0, show(imp));
    // The phone registers with digest authentication (sipd sees the new subscriber at once).
    ok(await register(PASSWORD, 200), 'REGISTER alice on the original server');
  });

  test('back up while sipd runs and a provisioning writer changes subscribers: journal first, then snapshot', async () => {
    const sr = original!;
    const data = path.join(sr.root, 'data');
    // A writer standing in for a busy provisioning system: it adds w0, w1, … to the same
    // files and compacts every few KiB, so snapshot and journal are replaced under our cp.
    const child = spawn(process.execPath, [path.join(REPO, 'dist', 'test', 'unit', 'stores', 'embedded-writer.js'), data], { stdio: ['ignore', 'pipe', 'pipe'] });
    writer = child;
    let acked = 0;
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) {
        const m = /^acked (\d+)$/.exec(l);
        if (m) acked = Number(m[1]) + 1;
      }
    });
    const snapshot = path.join(data, 'subscribers.snapshot');
    const journal = path.join(data, 'subscribers.journal');
    let writerErr = '';
    child.stderr!.on('data', (d: Buffer) => (writerErr += d.toString()));
    await waitFor('the writer to have compacted at least once', () => acked >= 40 && existsSync(snapshot), 30_000).catch((e: Error) => {
      throw new Error(`${e.message}; writer stderr: ${writerErr}`);
    });

    const alice = makeSecret('alice', 'CISCO', PASSWORD);
    // Every other round waits for a compaction between its two copies; each compaction
    // needs about twice the writes of the one before, so a few rounds are enough.
    const ROUNDS = 6;
    let rounds = 0;
    let copy = '';
    let copied = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const before = acked;
      copy = path.join(backup, `round${i}`);
      mkdirSync(copy);
      // The documented order: a compaction renames the new snapshot into place before the
      // new, empty journal, so this order never pairs an emptied journal with an old snapshot.
      copyFileSync(journal, path.join(copy, 'subscribers.journal'));
      if (i % 2 === 0) {
        // The worst case, as when cp is slow on big files: the writer compacts between the two copies.
        // (A compaction is over once both files have been replaced.)
        const was = [statSync(snapshot).ino, statSync(journal).ino];
        await waitFor('a compaction between the two copies', () => statSync(snapshot).ino !== was[0] && statSync(journal).ino !== was[1], 30_000, 5);
      }
      copyFileSync(snapshot, path.join(copy, 'subscribers.snapshot'));
      const store = await EmbeddedSubscriberStore.open({ dir: copy, log: () => undefined });
      try {
        const all = await store.list();
        const a = all.find((s) => s.user === 'alice');
        assert.deepEqual(a?.secret, alice, `round ${i}: alice and her password hash are in the copy`);
        assert.equal(a?.firstName, 'Alice');
        // Every add the writer had finished before the copy began is in it, with no gaps.
        const ws = all.filter((s) => /^w\d+$/.test(s.user)).map((s) => Number(s.user.slice(1))).sort((x, y) => x - y);
        assert.ok(ws.length >= before, `round ${i}: ${ws.length} writer subscribers in the copy, ${before} were acknowledged before it began`);
        assert.ok(ws.every((n, k) => n === k), `round ${i}: the copy holds w0…w${ws.length - 1} without gaps`);
        copied = all.length;
      } finally {
        await store.close();
      }
      rounds++;
      await waitFor('the writer to write some more', () => acked > before + 5, 30_000, 20);
    }
    assert.equal(rounds, ROUNDS);
    child.kill('SIGKILL');
    writer = undefined;
    // The last round's copy is the subscriber backup.
    backedUpSubscribers = copied;
    copyFileSync(path.join(copy, 'subscribers.journal'), path.join(backup, 'subscribers.journal'));
    copyFileSync(path.join(copy, 'subscribers.snapshot'), path.join(backup, 'subscribers.snapshot'));

    // Registrations and routes, exported through the running sipd.
    const csv = path.join(backup, 'regroute.csv');
    const x = await tool('sysadmin_sps_regroute', ['-p', sr.conf, '-m', 'both', '-x', csv]);
    assert.equal(x.code, 0, show(x));
    const text = readFileSync(csv, 'utf8');
    assert.match(text, new RegExp(`^\\+1408\\.{7},phone,127\\.0\\.0\\.1,${gatewayPort},UDP,`, 'm'));
    assert.match(text, new RegExp(`^alice@example\\.com,sip:alice@127\\.0\\.0\\.1:${alicePort},`, 'm'));
    // And the configuration files.
    copyFileSync(sr.conf, path.join(backup, 'sipd.conf'));
    copyFileSync(path.join(sr.root, 'conf', 'persistent_tcp.conf'), path.join(backup, 'persistent_tcp.conf'));
  });

  test('the server is lost; a new, empty ServerRoot is restored from the backup and every call works', async () => {
    // The disaster: the old server stops and its ServerRoot is gone.
    const stopped = await runBin('sip', ['stop', '-f', original!.conf], 30_000);
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
    original!.remove();
    original = undefined;

    // A reinstalled server: an empty ServerRoot on the same address.
    const sr = makeServerRoot(port, []);
    restored = sr;
    assert.ok(!existsSync(path.join(sr.root, 'data')), 'the new ServerRoot has no data');
    // The configuration files first (the tools read sipd.conf to find the databases).
    copyFileSync(path.join(backup, 'sipd.conf'), sr.conf);
    copyFileSync(path.join(backup, 'persistent_tcp.conf'), path.join(sr.root, 'conf', 'persistent_tcp.conf'));
    // The subscriber files, while sipd is stopped.
    mkdirSync(path.join(sr.root, 'data'));
    for (const f of ['subscribers.journal', 'subscribers.snapshot']) copyFileSync(path.join(backup, f), path.join(sr.root, 'data', f));
    // Registrations and routes from the export.
    const imp = await tool('sysadmin_sps_regroute', ['-p', sr.conf, '-m', 'both', '-i', path.join(backup, 'regroute.csv')]);
    assert.equal(imp.code, 0, show(imp));
    assert.match(imp.stdout, /routing: imported 1 entr/);
    assert.match(imp.stdout, /registry: imported 1 entr/);
    assert.equal(readFileSync(path.join(sr.root, 'conf', 'persistent_tcp.conf'), 'utf8'), PERSISTENT_TCP);

    const started = await runBin('sip', ['start', '-f', sr.conf]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    const alice = await tool('sysadmin_mysql_user', ['--conf', sr.conf, 'show', '--user', 'alice']);
    assert.equal(alice.code, 0, show(alice));
    assert.match(alice.stdout, /first_name:\s+Alice/);
    const all = await tool('sysadmin_mysql_user', ['--conf', sr.conf, 'list']);
    assert.match(all.stdout, new RegExp(`^${backedUpSubscribers} subscribers$`, 'm'), show(all));

    // A wrong password is refused (and registers nothing).
    ok(await register('looking-glass', 401), 'REGISTER alice with a wrong password after the restore');

    // The restored registration: a call to alice reaches the contact she registered before the backup.
    // (A trusted caller on 127.0.0.2, so the call itself is not challenged.)
    const phone = await startUas({ scenario: 'uas-answer', port: alicePort, timeoutS: 60 });
    peers.push(phone);
    ok(await runUac({ scenario: 'uac-call', host: '127.0.0.2', target: { port }, timeoutS: 30, keys: { ruri: 'sip:alice@example.com', caller: 'bob' } }), 'call to alice');
    ok(await phone.done, 'alice\'s phone answered');

    // The restored route: a number goes to its gateway.
    const gateway = await startUas({ scenario: 'uas-answer', port: gatewayPort, timeoutS: 60 });
    peers.push(gateway);
    ok(await runUac({ scenario: 'uac-call', host: '127.0.0.2', target: { port }, timeoutS: 30, keys: { ruri: `sip:+14085550100@127.0.0.1:${port};user=phone`, caller: 'bob' } }), 'call by the restored route');
    ok(await gateway.done, 'the gateway answered');

    // Last, so it cannot stand in for the restored registration above: the restored
    // subscriber authenticates with her password.
    ok(await register(PASSWORD, 200), 'REGISTER alice with her password after the restore');
  });
});
