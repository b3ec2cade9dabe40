// A real FreeRADIUS 3 server for a test file: a scratch configuration directory written
// here (not a copy of the packaged raddb, so nothing from the host's setup leaks in),
// auth and acct listeners on 127.0.0.1 and free ports, one client 127.0.0.1 with a test
// secret that must sign its Access-Requests (require_message_authenticator), a users
// file the test writes, and a detail file the test reads. Responses to Access-Requests
// carry a Message-Authenticator (RFC 3579 §3.2; Blast-RADIUS, CVE-2024-3596) because
// post-auth asks for one. Stop it in an after() hook; an exit handler kills any server
// still running when the test process ends.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { waitFor } from './run.js';
import { requireTool } from './tools.js';

/** A server as the RADIUS client takes it (src/modules/radius/service.ts RadiusServer). */
export interface FreeRadiusEndpoint {
  readonly host: string;
  readonly port: number;
  readonly secret: string;
}

/** One record of the detail file: its time line and its attributes in order, values unquoted. */
export interface DetailRecord {
  readonly time: string;
  readonly attributes: ReadonlyArray<readonly [string, string]>;
  /** Every value of the attribute, in order. */
  values(name: string): string[];
  /** The first value of the attribute. */
  value(name: string): string | undefined;
}

export interface FreeRadiusOptions {
  /** The users file (FreeRADIUS "files" module syntax); rewrite it later with setUsers(). */
  readonly users?: string;
  /** The shared secret of client 127.0.0.1 (default: a random one). */
  readonly secret?: string;
  /** Extra lines for the dictionary of the scratch raddb (local attributes). */
  readonly dictionary?: string;
}

export interface FreeRadius {
  readonly host: '127.0.0.1';
  readonly authPort: number;
  readonly acctPort: number;
  readonly secret: string;
  readonly dir: string;
  /** Where the accounting requests are written. */
  readonly detailFile: string;
  /** { host, port: authPort, secret } */
  readonly auth: FreeRadiusEndpoint;
  /** { host, port: acctPort, secret } */
  readonly acct: FreeRadiusEndpoint;
  readonly running: boolean;
  /** Replace the users file; takes effect at the next start() (stop() first when running). */
  setUsers(text: string): void;
  /** The detail file's records so far ([] before the first one). */
  records(): DetailRecord[];
  /** Wait (bounded) until the detail file holds at least `count` records matching `match`. */
  waitForRecords(count: number, match?: (r: DetailRecord) => boolean, timeoutMs?: number): Promise<DetailRecord[]>;
  /** The server's debug output (freeradius -X) so far, for assertion messages. */
  log(): string;
  /** Stop the server (SIGTERM, then SIGKILL after 10 s) and wait for it to exit. */
  stop(): Promise<void>;
  /** Start it again on the same ports and directory. */
  start(): Promise<void>;
  /** Stop it and delete its files. */
  remove(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function radiusdConf(dir: string, authPort: number, acctPort: number, secret: string): string {
  const asRoot = process.getuid?.() === 0;
  // Quoting: FreeRADIUS strings in double quotes; the secret is ours (no quotes in it).
  return `# Scratch FreeRADIUS configuration written by test/helpers/freeradius.ts
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = ${dir}
sbindir = /usr/sbin
logdir = ${dir}
raddbdir = ${dir}
radacctdir = ${dir}
name = freeradius
confdir = ${dir}
modconfdir = ${dir}
run_dir = ${dir}
db_dir = ${dir}
libdir = /usr/lib/freeradius
pidfile = ${dir}/radiusd.pid
max_request_time = 10
cleanup_delay = 1
max_requests = 1024
hostname_lookups = no
${asRoot ? '' : ''}
log {
  destination = files
  file = ${dir}/radius.log
  colourise = no
  stripped_names = no
  auth = yes
  auth_badpass = no
  auth_goodpass = no
}
security {
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 0
  status_server = yes
}
thread pool {
  start_servers = 2
  max_servers = 4
  min_spare_servers = 1
  max_spare_servers = 3
  max_requests_per_server = 0
  auto_limit_acct = no
}
client localhost {
  ipaddr = 127.0.0.1
  proto = udp
  secret = "${secret}"
  require_message_authenticator = yes
  nas_type = other
}
modules {
  pap {
    normalise = yes
  }
  chap {
  }
  digest {
  }
  files {
    filename = ${dir}/users
    acctusersfile = ${dir}/acct_users
  }
  detail {
    filename = ${dir}/detail
    escape_filenames = no
    permissions = 0600
    header = "%t"
  }
  always ok {
    rcode = ok
  }
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${authPort}
  }
  listen {
    type = acct
    ipaddr = 127.0.0.1
    port = ${acctPort}
  }
  authorize {
    files
    digest
    chap
    pap
  }
  authenticate {
    Auth-Type PAP {
      pap
    }
    Auth-Type CHAP {
      chap
    }
    digest
  }
  preacct {
    files
  }
  accounting {
    detail
    ok
  }
  post-auth {
    update reply {
      Message-Authenticator := 0x00
    }
    Post-Auth-Type REJECT {
      update reply {
        Message-Authenticator := 0x00
      }
    }
  }
}
`;
}

/** Parse a FreeRADIUS detail file: records separated by blank lines, a time line, then "\tName = value" lines. */
export function parseDetail(text: string): DetailRecord[] {
  const out: DetailRecord[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    const time = lines[0]!.trim();
    const attributes: Array<readonly [string, string]> = [];
    for (const line of lines.slice(1)) {
      const m = /^\s*([^\s=]+)\s*=\s*(.*)$/.exec(line);
      if (!m) continue;
      let v = m[2]!.trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
      attributes.push([m[1]!, v]);
    }
    out.push({
      time,
      attributes,
      values: (name) => attributes.filter(([n]) => n === name).map(([, v]) => v),
      value: (name) => attributes.find(([n]) => n === name)?.[1],
    });
  }
  return out;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export async function startFreeRadius(o: FreeRadiusOptions = {}): Promise<FreeRadius> {
  const freeradius = requireTool('freeradius', 'freeradius');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'freeradius-test-'));
  const secret = o.secret ?? `test-${Math.random().toString(36).slice(2, 12)}`;
  const authPort = await freePort();
  const acctPort = await freePort();
  const usersFile = path.join(dir, 'users');
  const detailFile = path.join(dir, 'detail');
  const outFile = path.join(dir, 'debug.out');
  writeFileSync(path.join(dir, 'radiusd.conf'), radiusdConf(dir, authPort, acctPort, secret));
  // The packaged dictionaries (RFC attributes, Cisco's vendor 9) plus the test's own lines.
  writeFileSync(path.join(dir, 'dictionary'), `# Local attributes of the test\n${o.dictionary ?? ''}\n`);
  writeFileSync(usersFile, o.users ?? '');
  writeFileSync(path.join(dir, 'acct_users'), '');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    if (child) return;
    mkdirSync(dir, { recursive: true });
    const out = openSync(outFile, 'a');
    const before = readText(outFile).length;
    // -X: one process, debug output (each packet decoded) to the file tests can show on failure.
    const c = spawn(freeradius, ['-X', '-d', dir, '-n', 'radiusd'], { stdio: ['ignore', out, out] });
    closeSync(out);
    child = c;
    live.add(c);
    let gone = false;
    exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    void exited.then(() => {
      live.delete(c);
      gone = true;
      if (child === c) child = undefined;
    });
    await waitFor(
      `FreeRADIUS on 127.0.0.1:${authPort}/${acctPort}`,
      () => {
        if (gone) throw new Error(`freeradius exited at start:\n${readText(outFile).slice(before).split('\n').slice(-30).join('\n')}`);
        return readText(outFile).slice(before).includes('Ready to process requests');
      },
      30_000,
      100,
    );
  };

  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    child = undefined;
  };

  const records = () => (existsSync(detailFile) ? parseDetail(readText(detailFile)) : []);
  await start();
  const auth = { host: '127.0.0.1', port: authPort, secret };
  const acct = { host: '127.0.0.1', port: acctPort, secret };
  return {
    host: '127.0.0.1',
    authPort,
    acctPort,
    secret,
    dir,
    detailFile,
    auth,
    acct,
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    setUsers: (text) => writeFileSync(usersFile, text),
    records,
    waitForRecords: (count, match = () => true, timeoutMs = 10_000) =>
      waitFor(
        `${count} matching record(s) in ${detailFile}`,
        () => {
          const found = records().filter(match);
          return found.length >= count ? found : undefined;
        },
        timeoutMs,
      ),
    log: () => readText(outFile),
    stop,
    start,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
