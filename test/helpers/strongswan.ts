// strongSwan's IKE daemon for the IPSec test: one charon per network namespace, each with
// its own configuration directory, control socket and log, doing ESP in user space
// (kernel-libipsec: cleartext goes through a TUN device, charon encrypts it) so the test
// runs on kernels built without ESP. Host-to-host, IKEv2 with a pre-shared key made per run.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep, start, waitFor } from './run.js';
import type { Running } from './run.js';
import { requireTool } from './tools.js';

/** Debian 12's plugin directory, and the plugins the test's charon loads with the package holding each. */
const PLUGIN_DIR = '/usr/lib/ipsec/plugins';
const PLUGINS: readonly (readonly [plugin: string, debianPackage: string])[] = [
  ['random', 'libstrongswan'],
  ['nonce', 'libstrongswan'],
  // AES-GCM for IKE and ESP, X25519 for the key exchange.
  ['openssl', 'libstrongswan-standard-plugins'],
  // IKEv2's prf+ key derivation (not in the openssl plugin of strongSwan 5.9.8).
  ['kdf', 'libstrongswan'],
  ['kernel-libipsec', 'libcharon-extra-plugins'],
  // Still needed next to kernel-libipsec: addresses, routes and routing rules.
  ['kernel-netlink', 'libstrongswan'],
  ['socket-default', 'strongswan-libcharon'],
  ['vici', 'strongswan-swanctl'],
];

/** IKE (and ESP, which kernel-libipsec sends on the IKE socket) carries this mark; see charonConf. */
const IKE_FWMARK = '0x42';

export const IKE_PROPOSAL = 'aes256gcm16-prfsha256-x25519';
export const ESP_PROPOSAL = 'aes256gcm16-x25519';

export interface Charon {
  readonly ns: string;
  readonly dir: string;
  readonly uri: string;
  readonly running: Running;
  /** The daemon's log so far ('' before it has written one). */
  log(): string;
  /** swanctl against this daemon; asserts it exits 0 and returns its output. */
  swanctl(args: readonly string[], timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Fails naming the Debian package when a program or plugin the test's charon needs is missing. */
export function requireStrongswan(): { charon: string; swanctl: string } {
  const charon = requireTool('charon-systemd', 'charon-systemd');
  const swanctl = requireTool('swanctl', 'strongswan-swanctl');
  for (const [plugin, pkg] of PLUGINS) {
    const file = path.join(PLUGIN_DIR, `libstrongswan-${plugin}.so`);
    try {
      accessSync(file, constants.R_OK);
    } catch {
      assert.fail(`the strongSwan plugin ${plugin} (${file}) is not installed: install the Debian package "${pkg}" (apt-get install ${pkg})`);
    }
  }
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    assert.fail('/dev/net/tun is missing: kernel-libipsec needs TUN devices (CONFIG_TUN)');
  }
  return { charon, swanctl };
}

/** A fresh pre-shared key, as strongSwan writes binary secrets. */
export function newPsk(): string {
  return `0x${randomBytes(32).toString('hex')}`;
}

function charonConf(dir: string): string {
  // Plugins marked critical (!) stop charon when they fail instead of leaving it half able;
  // kernel-netlink cannot be, as its own ESP backend steps aside for kernel-libipsec's.
  // kernel-libipsec routes traffic for the peer into its TUN device through routing table
  // 220; IKE and the ESP it carries go to that same peer address, so they are marked and the
  // table's rule skips marked packets (or they would loop back into the tunnel).
  return `charon-systemd {
  load_modular = no
  load = ${PLUGINS.map(([p]) => (p === 'kernel-netlink' ? p : `${p}!`)).join(' ')}
  journal {
    default = -1
  }
  filelog {
    test {
      path = ${path.join(dir, 'charon.log')}
      time_format = %T
      default = 1
      flush_line = yes
    }
  }
  plugins {
    vici {
      socket = unix://${path.join(dir, 'charon.vici')}
    }
    kernel-libipsec {
      allow_peer_ts = yes
    }
    kernel-netlink {
      fwmark = !${IKE_FWMARK}
    }
    socket-default {
      fwmark = ${IKE_FWMARK}
    }
  }
}
swanctl {
  load = random nonce openssl
}
`;
}

/** One member's side of the host-to-host connection (tunnel mode: libipsec has no transport mode). */
function swanctlConf(local: string, remote: string, psk: string): string {
  return `connections {
  farm {
    version = 2
    local_addrs = ${local}
    remote_addrs = ${remote}
    proposals = ${IKE_PROPOSAL}
    local {
      auth = psk
      id = ${local}
    }
    remote {
      auth = psk
      id = ${remote}
    }
    children {
      farm {
        mode = tunnel
        esp_proposals = ${ESP_PROPOSAL}
        local_ts = ${local}/32
        remote_ts = ${remote}/32
      }
    }
  }
}
secrets {
  ike-farm {
    id-1 = ${local}
    id-2 = ${remote}
    secret = ${psk}
  }
}
`;
}

/** Start charon in namespace ns and load the connection from local to remote; bounded waits. */
export async function startCharon(ns: string, local: string, remote: string, psk: string): Promise<Charon> {
  const tools = requireStrongswan();
  const ip = requireTool('ip', 'iproute2');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opensps-charon-'));
  writeFileSync(path.join(dir, 'strongswan.conf'), charonConf(dir));
  writeFileSync(path.join(dir, 'swanctl.conf'), swanctlConf(local, remote, psk), { mode: 0o600 });
  const env = { ...process.env, STRONGSWAN_CONF: path.join(dir, 'strongswan.conf') };
  const uri = `unix://${path.join(dir, 'charon.vici')}`;
  const logFile = path.join(dir, 'charon.log');
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  // ip netns exec execs charon in place, so signalling the child signals charon. Killed
  // after 150 s at the latest, past the test's own limit.
  const running = start(ip, ['netns', 'exec', ns, tools.charon], 150_000, { env });
  // Configuration errors go to standard error, before any log file exists.
  let stderr = '';
  running.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async () => {
    const c = running.child;
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      // charon deletes its SAs, routes and TUN device on the way out.
      const slow = await Promise.race([running.done.then(() => false), sleep(5000).then(() => true)]);
      if (slow) {
        c.kill('SIGKILL');
        await Promise.race([running.done, sleep(5000)]);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const swanctl = async (args: readonly string[], timeoutMs = 30_000): Promise<string> => {
    const r = await start(tools.swanctl, [...args, '--uri', uri], timeoutMs, { env }).done;
    assert.equal(r.code, 0, `swanctl ${args.join(' ')} (charon in ${ns})\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n${r.stdout}\n${r.stderr}\n--- charon log ---\n${log().slice(-3000)}`);
    return r.stdout;
  };
  try {
    // The worker threads start once every plugin has loaded; a failed critical one ends charon before.
    await waitFor(`charon in ${ns} to start`, () => {
      const c = running.child;
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`charon in ${ns} exited (${c.exitCode ?? c.signalCode})\n${stderr}\n--- charon log ---\n${log()}`);
      return /spawning \d+ worker threads/.test(log()) && existsSync(path.join(dir, 'charon.vici'));
    }, 15_000, 100);
    assert.match(log(), /created TUN device/, `charon in ${ns} made no TUN device\n${log()}`);
    await swanctl(['--load-all', '--file', path.join(dir, 'swanctl.conf')]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { ns, dir, uri, running, log, swanctl, stop };
}

/** The SPIs of the CHILD_SA swanctl --initiate reports: [inbound, outbound] as numbers. */
export function childSpis(initiateOutput: string): readonly [inbound: number, outbound: number] {
  const m = /established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o/.exec(initiateOutput);
  assert.ok(m, `no CHILD_SA SPIs in the initiation's output:\n${initiateOutput}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
}
