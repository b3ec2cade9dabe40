// The embedded subscriber store: records, the first-50-characters rule, validation,
// durability across kill -9, a torn journal tail, compaction, two processes sharing the
// files, and the backup order docs/mysql.md gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedSubscriberStore } from '../../../src/stores/embedded/subscriber-store.js';
import { makeSecret } from '../../../src/stores/secret.js';
import { SubscriberValidationError, emptySubscriber } from '../../../src/stores/subscriber-store.js';
import type { Subscriber } from '../../../src/stores/subscriber-store.js';
import { waitFor } from '../../helpers/run.js';

const quiet = () => undefined;
function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'subs-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
const sub = (user: string, domain = '', extra: Partial<Subscriber> = {}): Subscriber => ({ ...emptySubscriber(user, domain), ...extra });

test('add, get, update, list, remove, and everything is there again after reopening', async (t) => {
  const dir = tmp(t);
  const a = await EmbeddedSubscriberStore.open({ dir, log: quiet });
  await a.add(sub('2000', 'Example.COM', { secret: makeSecret('2000', 'CISCO', 'pw'), cfna: 'sip:vm@example.com', firstName: 'Ann' }));
  await a.add(sub('1000'));
  await a.update({ ...(await a.get('2000', 'example.com'))!, cfb: 'sip:busy@example.com', redirectDnPrivacy: true });
  assert.equal((await a.get('2000', 'EXAMPLE.com'))?.cfb, 'sip:busy@example.com', 'domain compared without case');
  assert.equal(await a.get('2000'), undefined, 'the domain is part of the key');
  assert.deepEqual((await a.list()).map((s) => `${s.user}@${s.domain}`), ['1000@', '2000@example.com']);
  await assert.rejects(a.update(sub('3000')), SubscriberValidationError);
  await a.close();

  const b = await EmbeddedSubscriberStore.open({ dir, log: quiet });
  const s = await b.get('2000', 'example.com');
  assert.equal(s?.firstName, 'Ann');
  assert.equal(s?.cfna, 'sip:vm@example.com');
  assert.equal(s?.redirectDnPrivacy, true);
  assert.deepEqual(s?.secret, makeSecret('2000', 'CISCO', 'pw'));
  assert.equal(await b.remove('2000', 'example.com'), true);
  assert.equal(await b.remove('2000', 'example.com'), false);
  await b.close();
  const c = await EmbeddedSubscriberStore.open({ dir, log: quiet });
  assert.deepEqual((await c.list()).map((x) => x.user), ['1000']);
  await c.close();
});

test('ch. 2: a user whose first 50 characters match an existing one in the same domain is refused', async (t) => {
  const store = await EmbeddedSubscriberStore.open({ dir: tmp(t), log: quiet });
  const base = 'x'.repeat(50);
  await store.add(sub(`${base}1`, 'a.com'));
  await assert.rejects(store.add(sub(`${base}2`, 'a.com')), (e: SubscriberValidationError) => {
    assert.ok(e instanceof SubscriberValidationError);
    assert.equal(e.field, 'user_id');
    assert.match(e.message, /first 50 characters/);
    return true;
  });
  await assert.rejects(store.add(sub(`${base}1`, 'A.com')), /already exists/);
  await store.add(sub(`${base}2`, 'b.com')); // another domain
  await store.add(sub(`${'x'.repeat(49)}y`, 'a.com')); // differs within 50
  assert.equal(await store.get(`${base}2`, 'a.com'), undefined, 'a lookup needs the exact user');
  assert.equal((await store.list()).length, 3);
  await store.close();
});

test('bad user IDs and call-forward URLs are refused naming the column (Appendix C messages)', async (t) => {
  const store = await EmbeddedSubscriberStore.open({ dir: tmp(t), log: quiet });
  await assert.rejects(store.add(sub('bad user')), (e: SubscriberValidationError) => e.field === 'user_id' && /Invalid user_id syntax/.test(e.message));
  await assert.rejects(store.add(sub('')), /Invalid user_id syntax/);
  await assert.rejects(store.add(sub('2000', '', { cfna: 'voicemail' })), (e: SubscriberValidationError) => e.field === 'dest_url_cfna' && /Invalid dest_url_cfna syntax/.test(e.message));
  await assert.rejects(store.add(sub('2000', '', { cfb: 'sip:' })), /Invalid dest_url_cfb syntax/);
  await assert.rejects(store.add(sub('2000', 'bad domain')), /Invalid domain syntax/);
  await store.add(sub('2000', '', { cfna: 'sip:5000@cisco.com', cfunv: 'sip:bob@192.168.1.2', cfu: 'tel:+14085551234' }));
  await store.close();
});

test('a change another process (here: another store object) writes is seen after refreshMs', async (t) => {
  const dir = tmp(t);
  const reader = await EmbeddedSubscriberStore.open({ dir, log: quiet, refreshMs: 20 });
  const writer = await EmbeddedSubscriberStore.open({ dir, log: quiet, compactBytes: 300 });
  assert.equal(await reader.get('7000'), undefined);
  await writer.add(sub('7000', '', { cfna: 'sip:a@example.com' }));
  await waitFor('reader sees 7000', async () => (await reader.get('7000'))?.cfna === 'sip:a@example.com', 5000, 30);
  // Enough writes to compact several times: the reader follows the replaced files.
  for (let i = 0; i < 20; i++) await writer.add(sub(`80${i}`));
  await writer.update(sub('7000', '', { cfna: 'sip:b@example.com' }));
  assert.ok(existsSync(writer.snapshotPath), 'compaction wrote a snapshot');
  await waitFor('reader sees 21 subscribers and the update', async () => (await reader.list()).length === 21 && (await reader.get('7000'))?.cfna === 'sip:b@example.com', 5000, 30);
  // And the other way round: the reader writes, the writer's uniqueness check sees it.
  await reader.add(sub('9000'));
  await assert.rejects(writer.add(sub('9000')), /already exists/);
  await reader.close();
  await writer.close();
});

test('kill -9 while adding: every acknowledged add is there, the torn tail is dropped', async (t) => {
  const dir = tmp(t);
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'embedded-writer.js');
  const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('60 acknowledged adds', () => (out.match(/acked \d+\n/g) ?? []).length >= 60, 60_000, 20);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const acked = (out.match(/acked (\d+)\n/g) ?? []).length;
  const store = await EmbeddedSubscriberStore.open({ dir, log: quiet });
  const users = new Set((await store.list()).map((s) => s.user));
  for (let i = 0; i < acked; i++) assert.ok(users.has(`w${i}`), `w${i} was acknowledged`);
  // A half-written record at the end (a writer killed mid-line) is cut off by the next writer.
  appendFileSync(store.journalPath, '0badc0de {"o":"put","s":{"u":"half');
  await store.add(sub('after-crash', 'example.com'));
  await store.close();
  const again = await EmbeddedSubscriberStore.open({ dir, log: quiet });
  assert.ok(await again.get('after-crash', 'example.com'));
  assert.equal((await again.list()).length, users.size + 1);
  assert.ok(!existsSync(again.lockPath), 'lock released');
  await again.close();
});

test('a lock left by a dead process is taken over', async (t) => {
  const dir = tmp(t);
  const store = await EmbeddedSubscriberStore.open({ dir, log: quiet, lockWaitMs: 2000 });
  // pid 2^22+1 is above Linux's pid_max default range: never a live process.
  appendFileSync(store.lockPath, `${2 ** 22 + 1}\n`);
  await store.add(sub('5000'));
  assert.ok(await store.get('5000'));
  await store.close();
});

test('backup: copying the journal first, then the snapshot, gives a store that opens with everything', async (t) => {
  const dir = tmp(t);
  const backup = tmp(t);
  const store = await EmbeddedSubscriberStore.open({ dir, log: quiet, compactBytes: 500 });
  for (let i = 0; i < 15; i++) await store.add(sub(`6${i}`, '', { cfb: `sip:b${i}@example.com` }));
  assert.ok(statSync(store.snapshotPath).size > 0);
  copyFileSync(store.journalPath, path.join(backup, 'subscribers.journal'));
  copyFileSync(store.snapshotPath, path.join(backup, 'subscribers.snapshot'));
  const restored = await EmbeddedSubscriberStore.open({ dir: backup, log: quiet });
  assert.deepEqual(await restored.list(), await store.list());
  assert.match(readFileSync(store.journalPath, 'utf8') + readFileSync(store.snapshotPath, 'utf8'), /sip:b14@example.com/);
  await restored.close();
  await store.close();
});

test('sysadmin_mysql_user works on the embedded store when DB_MySQL is Off (ServerRoot/data)', async (t) => {
  const root = tmp(t);
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { BIN } = await import('../../helpers/paths.js');
  mkdirSync(path.join(root, 'conf'));
  const conf = path.join(root, 'conf', 'sipd.conf');
  writeFileSync(conf, 'AuthRealm CISCO\n');
  const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(process.execPath, [path.join(BIN, 'sysadmin_mysql_user'), '--conf', conf, 'add', '--user', '2000', '--password-stdin', '--cfna', 'sip:vm@example.com'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    c.stdin.end('pw\n');
  });
  assert.equal(out.code, 0, out.stderr);
  const store = await EmbeddedSubscriberStore.open({ dir: path.join(root, 'data'), log: quiet });
  const s = await store.get('2000');
  assert.equal(s?.cfna, 'sip:vm@example.com');
  assert.deepEqual(s?.secret, makeSecret('2000', 'CISCO', 'pw'));
  await store.close();
});
