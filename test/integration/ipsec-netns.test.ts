// IPSec between two farm members, made real: two network namespaces joined by a veth
// pair, a strongSwan charon in each negotiating IKEv2 (pre-shared key made per run) and ESP
// with AES-256-GCM, sipd in one namespace and sipp (caller and callee) in the other. The
// call crosses the wire twice (caller → sipd → callee and back); tshark, capturing on
// sipd's side of the veth, must see IKE and then only ESP between the two addresses, and no
// SIP in clear.
//
// The machines the suite runs on have kernels without ESP (`ip xfrm state add ... proto esp`
// fails "Requested type not found"), so charon does ESP in user space (kernel-libipsec, over a
// TUN device). With Debian 12's strongSwan 5.9.8 that means tunnel mode host-to-host and ESP
// inside UDP port 4500 (RFC 3948); docs/ipsec.md says why and shows the kernel transport-mode
// setup for production.
//
// Needs root, /dev/net/tun, iproute2, tshark, sip-tester, charon-systemd, strongswan-swanctl,
// libcharon-extra-plugins and libstrongswan-standard-plugins.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { BIN } from '../helpers/paths.js';
import { run, showRun, sleep, start, waitFor } from '../helpers/run.js';
import type { Running } from '../helpers/run.js';
import { makeServerRoot, killMentioning } from '../helpers/serverroot.js';
import type { ServerRoot } from '../helpers/serverroot.js';
import { describePeer, runUac, startUas } from '../helpers/sip-peers.js';
import type { SippPeer } from '../helpers/sip-peers.js';
import { childSpis, newPsk, requireStrongswan, startCharon } from '../helpers/strongswan.js';
import type { Charon } from '../helpers/strongswan.js';
import { requireTool } from '../helpers/tools.js';

// A private /30 that lives only inside the test's namespaces, so it cannot clash with the host.
const PROXY_ADDR = '10.19.0.1';
const PEER_ADDR = '10.19.0.2';
const SIPD_PORT = 5060;
const UAS_PORT = 5070;
const UAC_PORT = 5080;
// The /30's broadcast address: outside the traffic selectors (which name the two hosts), so
// a datagram to it crosses in clear. One sent before the call and one after bracket the call
// in the capture.
const MARKER_ADDR = '10.19.0.3';
// NAT traversal's port: kernel-libipsec sends ESP inside UDP (RFC 3948), as IKE after its first exchange.
const NAT_T_PORT = '4500';
const IKE_PORT = '500';

async function ip(args: readonly string[]): Promise<void> {
  const r = await run(requireTool('ip', 'iproute2'), args, 10_000);
  assert.equal(r.code, 0, `ip ${args.join(' ')}\n${showRun(r)}`);
}

/** ip without an assertion, for cleanup that must go on after a failure. */
async function ipQuiet(args: readonly string[]): Promise<void> {
  await run(requireTool('ip', 'iproute2'), args, 10_000);
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
async function sendMarker(ns: string, text: string): Promise<void> {
  const code = `const s = require('node:dgram').createSocket('udp4');
s.bind(() => { s.setBroadcast(true); s.send(${JSON.stringify(text)}, 9, '${MARKER_ADDR}', (e) => { s.close(); process.exitCode = e ? 1 : 0; }); });`;
  const r = await run(requireTool('ip', 'iproute2'), ['netns', 'exec', ns, process.execPath, '-e', code], 10_000);
  assert.equal(r.code, 0, `sending the ${text} marker\n${showRun(r)}`);
}

/** A packet the capture printed. */
interface Row {
  /** frame.protocols, e.g. "eth:ethertype:ip:udp:udpencap:esp". */
  readonly protocols: string;
  readonly src: string;
  readonly dst: string;
  readonly sport: string;
  readonly dport: string;
  /** esp.spi in hex ("0x1a2b3c4d"), '' when not ESP. */
  readonly spi: string;
}

const CAPTURE_FIELDS = ['frame.protocols', 'ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport', 'esp.spi'];

function rowsOf(stdout: string): Row[] {
  return stdout.split('\n').filter((l) => l.trim()).map((l) => {
    const [protocols = '', src = '', dst = '', sport = '', dport = '', spi = ''] = l.split('\t');
    return { protocols, src, dst, sport, dport, spi };
  });
}

const show = (r: Row) => `${r.src}:${r.sport} > ${r.dst}:${r.dport} ${r.protocols}${r.spi ? ` spi ${r.spi}` : ''}`;

/** ESP in UDP on the NAT-T port, as kernel-libipsec sends it. */
const isEsp = (r: Row) => r.protocols.endsWith(':ip:udp:udpencap:esp') && r.sport === NAT_T_PORT && r.dport === NAT_T_PORT;
/** IKE: on port 500, or on the NAT-T port behind the non-ESP marker. */
const isIke = (r: Row) => r.protocols.endsWith(':isakmp') && [IKE_PORT, NAT_T_PORT].includes(r.sport) && r.sport === r.dport;

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

test('a call between two namespaces through sipd crosses the wire as ESP only, keyed by IKEv2', { timeout: 120_000 }, async () => {
  requireTool('ip', 'iproute2');
  const tshark = requireTool('tshark', 'tshark');
  requireTool('sipp', 'sip-tester');
  requireStrongswan();
  const tag = `ips${randomBytes(3).toString('hex')}`; // veth names are at most 15 characters
  const proxyNs = `${tag}-proxy`;
  const peerNs = `${tag}-peer`;
  const proxyIf = `${tag}p`;
  const peerIf = `${tag}u`;
  let sr: ServerRoot | undefined;
  let sipd: ReturnType<typeof startIn> | undefined;
  let capture: ReturnType<typeof startIn> | undefined;
  let callee: SippPeer | undefined;
  const charons: Charon[] = [];
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

    // The capture starts before IKE (dumpcap says when it is capturing) and prints each
    // packet's fields as it comes (-l).
    capture = startIn(proxyNs, tshark, ['-l', '-n', '-i', proxyIf, '-T', 'fields', ...CAPTURE_FIELDS.flatMap((f) => ['-e', f])], 100_000);
    const cap = capture;
    await waitFor('tshark to start capturing', () => {
      if (cap.child.exitCode !== null) throw new Error(`tshark exited before capturing:\n${cap.output()}`);
      return /Capturing on/.test(cap.output());
    }, 20_000, 100);

    // One IKE daemon per host, the same fresh key on both; the proxy's side initiates.
    const psk = newPsk();
    const proxyIke = await startCharon(proxyNs, PROXY_ADDR, PEER_ADDR, psk);
    charons.push(proxyIke);
    charons.push(await startCharon(peerNs, PEER_ADDR, PROXY_ADDR, psk));
    const initiated = await proxyIke.swanctl(['--initiate', '--child', 'farm']);
    const [fromPeerSpi, toPeerSpi] = childSpis(initiated);
    const sas = await proxyIke.swanctl(['--list-sas']);
    assert.match(sas, /INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256/, `the CHILD_SA is not what the test sets up:\n${sas}`);

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

    // Packets reach the capture in the order they crossed the veth, so the markers split it:
    // the key exchange before the first, the call between the two.
    await sendMarker(peerNs, 'start of call');
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
    const logs = () => `--- sipd error_log ---\n${root.readErrorLog()}\n${charons.map((c) => `--- charon in ${c.ns} ---\n${c.log().slice(-2000)}`).join('\n')}`;
    assert.equal(caller.code, 0, `the call through sipd\n${describePeer(caller)}\n${logs()}`);
    const answered = await callee.done;
    assert.equal(answered.code, 0, `the callee\n${describePeer(answered)}`);
    await sendMarker(peerNs, 'end of call');
    const markers = () => rowsOf(cap.stdout()).flatMap((r, i) => (r.dst === MARKER_ADDR ? [i] : []));
    await waitFor('the capture to print both markers', () => markers().length >= 2, 15_000, 100);
    await stopRunning(capture);

    const rows = rowsOf(cap.stdout());
    const [first, last] = markers() as [number, number];
    const between = (r: Row) => (r.src === PROXY_ADDR && r.dst === PEER_ADDR) || (r.src === PEER_ADDR && r.dst === PROXY_ADDR);
    const keying = rows.slice(0, first).filter(between);
    const call = rows.slice(first + 1, last).filter(between);
    const all = `${rows.map(show).join('\n')}\n--- tshark ---\n${cap.output().slice(-2000)}`;

    // Before the call: IKEv2 only (IKE_SA_INIT and IKE_AUTH, both ways).
    assert.ok(keying.length >= 4, `only ${keying.length} packets of key exchange before the call:\n${all}`);
    assert.deepEqual(keying.filter((r) => !isIke(r)).map(show), [], 'before the call, only IKE crosses between the two addresses');
    // The call: INVITE, 180, 200, ACK, BYE, 200 on each of the two legs at the least (100
    // Trying and retransmissions come on top), every one of them ESP.
    assert.ok(call.length >= 12, `only ${call.length} packets between ${PROXY_ADDR} and ${PEER_ADDR} during the call:\n${all}`);
    const notEsp = call.filter((r) => !isEsp(r)).map(show);
    assert.deepEqual(notEsp, [], `every packet of the call between the two addresses is ESP; ${notEsp.length} of ${call.length} are not`);
    const used = new Set(call.map((r) => `${r.src} ${Number(r.spi)}`));
    assert.deepEqual([...used].sort(), [`${PEER_ADDR} ${fromPeerSpi}`, `${PROXY_ADDR} ${toPeerSpi}`].sort(), 'each direction uses the SA IKE negotiated for it');
    const sip = rows.filter((r) => r.protocols.split(':').includes('sip')).map(show);
    assert.deepEqual(sip, [], 'no SIP in clear on the wire');
  } finally {
    await stopRunning(capture);
    await callee?.stop();
    await stopRunning(sipd);
    if (sr) {
      killMentioning(sr.conf);
      sr.remove();
    }
    for (const c of charons) await c.stop();
    // Deleting a namespace takes its end of the veth with it (and so the whole pair); the
    // link delete covers a failure before the ends were moved.
    await ipQuiet(['netns', 'del', proxyNs]);
    await ipQuiet(['netns', 'del', peerNs]);
    await ipQuiet(['link', 'del', proxyIf]);
  }
});
