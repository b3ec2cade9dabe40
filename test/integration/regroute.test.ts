// Appendix C "Using the Regroute Databases Tool": sysadmin_sps_regroute imports, exports,
// lists and edits the registry and route databases, from its options and from its menu;
// against the files of a stopped server, and through a running sipd, which must see a
// change at once.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, makeServerRoot, runBin, runTool, showRun, waitFor } from '../helpers/index.js';
import type { ServerRoot } from '../helpers/index.js';

const roots: ServerRoot[] = [];
after(() => roots.forEach((r) => r.remove()));

/** Run the tool with these arguments, feeding `input` on standard input; killed after 60 s. */
const regroute = (args: readonly string[], input = '') => runTool('sysadmin_sps_regroute', args, { input });
const show = showRun;

async function stoppedRoot(extra: string[] = []): Promise<ServerRoot> {
  const sr = makeServerRoot(await freePort(), ['ProxyDomain example.com', ...extra]);
  roots.push(sr);
  return sr;
}

const ROUTES = ['pattern,type,nextHop,port,transport,priority,weight', '+1408.......,phone,gw1.example.com,5060,UDP,1,60', '+1408.......,phone,gw2.example.com,5060,UDP,1,40', '9*,phone,10.1.1.1'].join('\n') + '\n';
const REGS = ['aor,contact,q', '2000@companyA.com,sip:2000@10.1.1.20', '+14085558000,"sip:8000@10.1.1.21;transport=tcp",0.5'].join('\n') + '\n';

test('C-13 -i, -l and -x against a stopped server\'s files; -x appends; a mixed file imports into both', async () => {
  const sr = await stoppedRoot();
  const routes = path.join(sr.root, 'routes.csv');
  const regs = path.join(sr.root, 'regs.csv');
  writeFileSync(routes, ROUTES);
  writeFileSync(regs, REGS);
  let r = await regroute(['-p', sr.conf, '-m', 'routing', '-i', routes]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /routing: imported 3 entries .*\(3 new, 0 replaced\)/);
  r = await regroute(['-p', sr.conf, '-m', '2', '-i', regs]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /registry: imported 2 entries/);

  r = await regroute(['-p', sr.conf, '-l']);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^\+1408\.{7},phone,gw2\.example\.com,5060,UDP,1,40,/m);
  assert.match(r.stdout, /^9\*,phone,10\.1\.1\.1,0,UDP,/m);
  assert.match(r.stdout, /^2000@companya\.com,sip:2000@10\.1\.1\.20,1,$/m);
  assert.match(r.stdout, /^\+14085558000,sip:8000@10\.1\.1\.21;transport=tcp,0\.5,$/m);
  assert.match(r.stdout, /# 3 routes/);
  assert.match(r.stdout, /# 2 registrations/);

  // Export appends to what the file holds.
  const out = path.join(sr.root, 'backup.csv');
  writeFileSync(out, '# backup of the lab proxy\n');
  r = await regroute(['-p', sr.conf, '-x', out]);
  assert.equal(r.code, 0, show(r));
  const text = readFileSync(out, 'utf8');
  assert.ok(text.startsWith('# backup of the lab proxy\npattern,type,nextHop,'), text);
  assert.match(text, /\naor,contact,q,expires\n/);

  // The backup restores both databases of another server (-m both splits it by header).
  const other = await stoppedRoot();
  r = await regroute(['-p', other.conf, '-i', out, '-l']);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /routing: imported 3 entries/);
  assert.match(r.stdout, /registry: imported 2 entries/);
  const listed = (await regroute(['-p', sr.conf, '-l'])).stdout;
  assert.equal(r.stdout.slice(r.stdout.indexOf('# routing database')), listed);
});

test('C-13 an import with errors names each file:line and writes nothing', async () => {
  const sr = await stoppedRoot();
  const bad = path.join(sr.root, 'bad.csv');
  writeFileSync(bad, ['+1408.......,phone,gw1.example.com', '9*,phone,gw.example.com,99999', '7*,phone', '"8*,phone,gw.example.com'].join('\n') + '\n');
  const r = await regroute(['-p', sr.conf, '-m', 'routing', '-i', bad]);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: port: 99999 is out of range; valid: 0 to 65535`));
  assert.match(r.stderr, /bad\.csv:3: too few fields: 2, at least 3/);
  assert.match(r.stderr, /bad\.csv:4: field 1: the quote opened here is never closed/);
  assert.match(r.stderr, /nothing was imported/);
  const l = await regroute(['-p', sr.conf, '-m', 'routing', '-l']);
  assert.match(l.stdout, /# 0 routes/, show(l));

  // With -m both, lines before any header cannot be placed.
  const r2 = await regroute(['-p', sr.conf, '-i', path.join(sr.root, 'bad.csv')]);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /bad\.csv:1: with -m both, a part must start with its header line/);
});

test('C-13 usage errors exit 2', async () => {
  const r = await regroute(['-m', 'everything']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /-m takes routing \(1\), registry \(2\) or both \(3\), not "everything"/);
  assert.match(r.stderr, /Usage: sysadmin_sps_regroute/);
});

test('C-13 the guide\'s pserver and shared-memory options say why they are not needed; -l FILE (2.0 import) is refused; -1 lists; -D traces', async () => {
  for (const opt of ['-h', '-J', '-a', '-T']) {
    const r = await regroute([opt, 'x']);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, new RegExp(`${opt} is not needed with OpenSPS: the tool reaches the running sipd through its control socket`), show(r));
  }
  const s = await regroute(['-S', 'routes_b']);
  assert.match(s.stderr, /-S is not needed with OpenSPS: .*Cisco_Routing_Rendezvous_Name/, show(s));
  const old = await regroute(['-l', 'spsv20.conf']);
  assert.equal(old.code, 2, show(old));
  assert.match(old.stderr, /importing Cisco SPS 2\.0 stanza files is not supported; .* use -i spsv20\.conf/, show(old));

  const sr = await stoppedRoot();
  writeFileSync(path.join(sr.root, 'r.csv'), ROUTES);
  assert.equal((await regroute(['-p', sr.conf, '-m', 'routing', '-i', path.join(sr.root, 'r.csv')])).code, 0);
  const listed = await regroute(['-p', sr.conf, '-m', 'routing', '-1', '-D']);
  assert.equal(listed.code, 0, show(listed));
  assert.match(listed.stdout, /gw2\.example\.com/, show(listed));
  assert.match(listed.stderr, /the database files \(sipd is not running\) <- \{"cmd":"db".*-> ok/, show(listed));
});

test('C-14 the menu: select the routing database, add, search, list, delete, quit', async () => {
  const sr = await stoppedRoot();
  const answers = [
    'S', 'Z', 'D', 'M', // select routing, show its information, back to the main menu
    'D', 'A', 'E', // add a route
    '+1303555....', '*', 'gw.denver.example.com', '5060', 'tcp', '*', '*', '*', '*', '*', '*', '*', 'Denver',
    'P', 'S', 'E', '1303', // search
    'P', 'L', // list everything
    'D', 'E', '+1303555....', '*', 'gw.denver.example.com', '5060', // delete it
    'M', 'D', 'L', // list again
    'Q',
  ];
  const r = await regroute(['-p', sr.conf], answers.join('\n') + '\n');
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /routing database: 0 entries/);
  assert.match(r.stdout, /Added\./);
  assert.match(r.stdout, /entries containing "1303"\n.*\n\+1303555\.{4},phone,gw\.denver\.example\.com,5060,TCP,1,1,,include,no,no,yes,Denver\n# 1 route\n/);
  assert.match(r.stdout, /Deleted\./);
  assert.match(r.stdout, /# 0 routes\n/);
  // And a wrong value is refused with what is valid, nothing added.
  const bad = await regroute(['-p', sr.conf, '-m', 'registry'], ['D', 'A', 'E', 'alice@example.com', 'mailto:alice@example.com', '*', '*', 'Q'].join('\n') + '\n');
  assert.match(bad.stdout, /Not added: contact: "mailto:alice@example.com" is not a SIP URI/, show(bad));
});

test('C-12 through a running sipd: the tool uses its control socket and sipd routes to the new registration at once', async () => {
  const sr = await stoppedRoot();
  const contact = dgram.createSocket('udp4');
  await new Promise<void>((res) => contact.bind(0, '127.0.0.1', () => res()));
  const contactPort = contact.address().port;
  const seen: string[] = [];
  contact.on('message', (m) => seen.push(m.toString()));
  try {
    const started = await runBin('sip', ['start', '-f', sr.conf]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    const regs = path.join(sr.root, 'alice.csv');
    writeFileSync(regs, `alice@example.com,sip:alice@127.0.0.1:${contactPort}\n`);
    const r = await regroute(['-p', sr.conf, '-m', 'registry', '-i', regs]);
    assert.equal(r.code, 0, show(r));
    // The tool went through sipd (the menu says so), not behind its back.
    const m = await regroute(['-p', sr.conf, '-m', 'registry'], 'S\nD\nQ\n');
    assert.match(m.stdout, /through sipd \(pid \d+\)/, show(m));
    assert.match(m.stdout, /registry database: 1 entries/);
    // A call to alice now reaches the contact.
    const invite = [
      'INVITE sip:alice@example.com SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKregroute1',
      'Max-Forwards: 70',
      'From: <sip:bob@example.com>;tag=1',
      'To: <sip:alice@example.com>',
      'Call-ID: regroute-1@127.0.0.1',
      'CSeq: 1 INVITE',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const caller = dgram.createSocket('udp4');
    try {
      await new Promise<void>((res) => caller.bind(0, '127.0.0.1', () => res()));
      caller.send(invite, sr.port, '127.0.0.1');
      await waitFor('the INVITE at the imported contact', () => seen.find((s) => s.startsWith(`INVITE sip:alice@127.0.0.1:${contactPort}`)), 10_000);
    } finally {
      caller.close();
    }
    // Deleting it through sipd takes effect at once as well.
    const d = await regroute(['-p', sr.conf, '-m', 'registry'], ['D', 'D', 'E', 'alice@example.com', `sip:alice@127.0.0.1:${contactPort}`, 'Q'].join('\n') + '\n');
    assert.match(d.stdout, /Deleted\./, show(d));
    const l = await regroute(['-p', sr.conf, '-m', 'registry', '-l']);
    assert.match(l.stdout, /# 0 registrations/, show(l));
  } finally {
    contact.close();
    await runBin('sip', ['stop', '-f', sr.conf], 30_000);
  }
});
