// IPSec between two farm members, the docs/ipsec.md example made real: two network
// namespaces joined by a veth pair, ESP transport-mode SAs and policies both ways set by
// hand with `ip xfrm` (AES-GCM, RFC 4106, fresh keys per run), sipd in one namespace and
// sipp (caller and callee) in the other. The call crosses the wire twice (caller → sipd →
// callee and back); tshark, capturing on sipd's side of the veth, must see only ESP
// between the two addresses and no SIP in clear.
//
// Needs root, iproute2, tshark, sip-tester, and a kernel with ESP and AES-GCM
// (CONFIG_INET_ESP, CONFIG_CRYPTO_GCM, or the esp4 and gcm modules); Debian's kernels have both.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { BIN } from '../helpers/paths.js';
import { run, showRun, sleep, start, waitFor } from '../helpers/run.js';
import type { Running } from '../helpers/run.js';
import { makeServerRoot, processesMentioning } from '../helpers/serverroot.js';
import type { ServerRoot } from '../helpers/serverroot.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer } from '../helpers/sip-peers.js';
import { requireTool } from '../helpers/tools.js';

// A private /30 that lives only inside the test's namespaces, so it cannot clash with the host.
const PROXY_ADDR = '10.19.0.1';
const PEER_ADDR = '10.19.0.2';
const SIPD_PORT = 5060;
const UAS_PORT = 5070;
const UAC_PORT = 5080;
// The /30's broadcast address: outside the ESP policies (which name the two hosts), so a
// datagram to it crosses in clear, after everything the call sent, and marks the end of the capture.
const MARKER_ADDR = '10.19.0.3';

/** One direction's SA: its SPI and its AES-256-GCM key with the 4-byte salt RFC 4106 appends. */
interface Sa {
  readonly src: string;
  readonly dst: string;
  readonly spi: string;
  readonly key: string;
}

function newSa(src: string, dst: string): Sa {
  // A key of its own per direction: GCM must never see the same key and nonce twice, and
  // both ends' sequence numbers (the nonces) start at 1.
  return { src, dst, spi: `0x${randomBytes(4).toString('hex')}`, key: `0x${randomBytes(36).toString('hex')}` };
}

async function ip(args: readonly string[], hint = ''): Promise<void> {
  const r = await run(requireTool('ip', 'iproute2'), args, 10_000);
  assert.equal(r.code, 0, `ip ${args.join(' ')}${hint}\n${showRun(r)}`);
}

/** ip without an assertion, for cleanup that must go on after a failure. */
async function ipQuiet(args: readonly string[]): Promise<void> {
  await run(requireTool('ip', 'iproute2'), args, 10_000);
}

const KERNEL_HINT = '\n(the kernel must do ESP with AES-GCM: CONFIG_INET_ESP and CONFIG_CRYPTO_GCM, or the esp4 and gcm modules)';

/** The SA in namespace ns, and the policy that sends (out) or demands (in) ESP for its traffic. */
async function addSa(ns: string, sa: Sa, dir: 'in' | 'out'): Promise<void> {
  await ip(['-n', ns, 'xfrm', 'state', 'add', 'src', sa.src, 'dst', sa.dst, 'proto', 'esp', 'spi', sa.spi, 'mode', 'transport', 'aead', 'rfc4106(gcm(aes))', sa.key, '128'], KERNEL_HINT);
  await ip(['-n', ns, 'xfrm', 'policy', 'add', 'src', `${sa.src}/32`, 'dst', `${sa.dst}/32`, 'dir', dir, 'tmpl', 'src', sa.src, 'dst', sa.dst, 'proto', 'esp', 'mode', 'transport']);
}

/** A program started inside a namespace (ip netns exec execs it, keeping the pid). */
function startIn(ns: string, cmd: string, args: readonly string[], timeoutMs: number): Running & { stdout(): string; output(): string } {
  const r = start(requireTool('ip', 'iproute2'), ['netns', 'exec', ns, cmd, ...args], timeoutMs);
  let stdout = '';
  let output = '';
  r.child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    output += d.toString();
  });
  r.child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { ...r, stdout: () => stdout, output: () => output };
}

/** Send one UDP datagram to the /30's broadcast address from inside namespace ns. */
async function sendMarker(ns: string): Promise<void> {
  const code = `const s = require('node:dgram').createSocket('udp4');
s.bind(() => { s.setBroadcast(true); s.send('end of call', 9, '${MARKER_ADDR}', (e) => { s.close(); process.exitCode = e ? 1 : 0; }); });`;
  const r = await run(requireTool('ip', 'iproute2'), ['netns', 'exec', ns, process.execPath, '-e', code], 10_000);
  assert.equal(r.code, 0, `sending the end-of-capture marker\n${showRun(r)}`);
}

/** A packet the capture printed: frame.protocols ("eth:ethertype:ip:esp"), ip.src, ip.dst, ip.proto, esp.spi. */
type Row = readonly [protocols: string, src: string, dst: string, proto: string, spi: string];

const CAPTURE_FIELDS = ['frame.protocols', 'ip.src', 'ip.dst', 'ip.proto', 'esp.spi'];

function rowsOf(stdout: string): Row[] {
  return stdout.split('\n').filter((l) => l.trim()).map((l) => {
    const [protocols = '', src = '', dst = '', proto = '', spi = ''] = l.split('\t');
    return [protocols, src, dst, proto, spi] as const;
  });
}

/** SIGTERM, SIGKILL after waitMs; bounded either way. */
async function stopRunning(r: Running | undefined, signal: NodeJS.Signals = 'SIGTERM', waitMs = 5000): Promise<void> {
  if (!r || r.child.exitCode !== null || r.child.signalCode !== null) return;
  r.child.kill(signal);
  const killed = await Promise.race([r.done.then(() => false), sleep(waitMs).then(() => true)]);
  if (killed) {
    r.child.kill('SIGKILL');
    await Promise.race([r.done, sleep(waitMs)]);
  }
}

test('a call between two namespaces through sipd crosses the wire as ESP only', { timeout: 120_000 }, async () => {
  requireTool('ip', 'iproute2');
  const tshark = requireTool('tshark', 'tshark');
  requireTool('sipp', 'sip-tester');
  const tag = `ips${randomBytes(3).toString('hex')}`; // veth names are at most 15 characters
  const proxyNs = `${tag}-proxy`;
  const peerNs = `${tag}-peer`;
  const proxyIf = `${tag}p`;
  const peerIf = `${tag}u`;
  let sr: ServerRoot | undefined;
  let sipd: ReturnType<typeof startIn> | undefined;
  let capture: ReturnType<typeof startIn> | undefined;
  let callee: SippPeer | undefined;
  try {
    // The two hosts: a namespace each, loopback up, one end of the veth with its address.
    await ip(['netns', 'add', proxyNs]);
    await ip(['netns', 'add', peerNs]);
    await ip(['link', 'add', proxyIf, 'type', 'veth', 'peer', 'name', peerIf]);
    await ip(['link', 'set', proxyIf, 'netns', proxyNs]);
    await ip(['link', 'set', peerIf, 'netns', peerNs]);
    for (const [ns, dev, addr] of [[proxyNs, proxyIf, PROXY_ADDR], [peerNs, peerIf, PEER_ADDR]] as const) {
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      await ip(['-n', ns, 'addr', 'add', `${addr}/30`, 'dev', dev]);
      await ip(['-n', ns, 'link', 'set', dev, 'up']);
    }

    // Manual keys, as a test may use (IKE daemons negotiate them in production): both ends
    // hold both SAs; each sends through one and accepts only ESP on the other.
    const toPeer = newSa(PROXY_ADDR, PEER_ADDR);
    const toProxy = newSa(PEER_ADDR, PROXY_ADDR);
    await addSa(proxyNs, toPeer, 'out');
    await addSa(proxyNs, toProxy, 'in');
    await addSa(peerNs, toProxy, 'out');
    await addSa(peerNs, toPeer, 'in');

    // The capture starts before any SIP is sent (dumpcap says when it is capturing) and
    // prints each packet's fields as it comes (-l).
    capture = startIn(proxyNs, tshark, ['-l', '-n', '-i', proxyIf, '-T', 'fields', ...CAPTURE_FIELDS.flatMap((f) => ['-e', f])], 90_000);
    const cap = capture;
    await waitFor('tshark to start capturing', () => {
      if (cap.child.exitCode !== null) throw new Error(`tshark exited before capturing:\n${cap.output()}`);
      return /Capturing on/.test(cap.output());
    }, 15_000, 100);

    // sipd on the proxy's veth address only, record-routing so ACK and BYE cross through it too.
    sr = makeServerRoot(SIPD_PORT, ['AddRecordRoute On']);
    sr.writeConf(sr.lines.map((l) => (l.startsWith('Listen ') ? `Listen ${PROXY_ADDR}:${SIPD_PORT}` : l)));
    sipd = startIn(proxyNs, process.execPath, [path.join(BIN, 'sipd'), '-X', '-f', sr.conf], 90_000);
    const root = sr;
    const proxy = sipd;
    await waitFor('sipd to start in its namespace', () => {
      if (proxy.child.exitCode !== null) throw new Error(`sipd exited: ${proxy.output()}\n${root.readErrorLog()}`);
      return /resuming normal operations/.test(root.readErrorLog());
    }, 20_000, 100);

    callee = await startUas({ scenario: 'uas-answer', netns: peerNs, host: PEER_ADDR, port: UAS_PORT, timeoutS: 30 });
    const caller = await runUac({
      scenario: 'uac-call',
      netns: peerNs,
      host: PEER_ADDR,
      port: UAC_PORT,
      target: { host: PROXY_ADDR, port: SIPD_PORT },
      pauseMs: 200,
      timeoutS: 20,
      keys: { ruri: `sip:bob@${PEER_ADDR}:${UAS_PORT}`, rr: 'yes' },
    });
    assert.equal(caller.code, 0, `the call through sipd\n${describePeer(caller)}\n--- sipd error_log ---\n${sr.readErrorLog()}`);
    const answered = await callee.done;
    assert.equal(answered.code, 0, `the callee\n${describePeer(answered)}`);

    // Packets reach the capture in the order they crossed the veth: once the marker sent
    // after the call is printed, every packet of the call has been.
    await sendMarker(peerNs);
    await waitFor('the capture to print the end-of-call marker', () => rowsOf(cap.stdout()).some(([, , dst]) => dst === MARKER_ADDR), 15_000, 100);
    await stopRunning(capture);
    const rows = rowsOf(cap.stdout());
    const between = rows.filter(([, src, dst]) => (src === PROXY_ADDR && dst === PEER_ADDR) || (src === PEER_ADDR && dst === PROXY_ADDR));
    // INVITE, 180, 200, ACK, BYE, 200 on each of the two legs at the least (100 Trying and
    // retransmissions come on top).
    assert.ok(between.length >= 12, `only ${between.length} packets between ${PROXY_ADDR} and ${PEER_ADDR}:\n${rows.map((r) => r.join(' ')).join('\n')}\n--- tshark ---\n${cap.output().slice(-2000)}`);
    const notEsp = between.filter(([protocols, , , proto]) => proto !== '50' || !protocols.endsWith(':ip:esp')).map((r) => r.join(' '));
    assert.deepEqual(notEsp, [], `every packet between the two addresses is ESP (IP protocol 50); ${notEsp.length} of ${between.length} are not`);
    const spi = (s: string) => Number(s);
    const used = new Set(between.map(([, src, , , s]) => `${src} ${spi(s)}`));
    assert.deepEqual([...used].sort(), [`${PEER_ADDR} ${spi(toProxy.spi)}`, `${PROXY_ADDR} ${spi(toPeer.spi)}`].sort(), 'each direction uses its own SA');
    const sip = rows.filter(([protocols]) => protocols.split(':').includes('sip')).map((r) => r.join(' '));
    assert.deepEqual(sip, [], 'no SIP in clear on the wire');
  } finally {
    await stopRunning(capture);
    await callee?.stop();
    await stopRunning(sipd);
    if (sr) {
      for (const pid of processesMentioning(sr.conf)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      sr.remove();
    }
    // Deleting a namespace takes its end of the veth with it (and so the whole pair); the
    // link delete covers a failure before the ends were moved.
    await ipQuiet(['netns', 'del', proxyNs]);
    await ipQuiet(['netns', 'del', peerNs]);
    await ipQuiet(['link', 'del', proxyIf]);
  }
});
