// traprcv — the guide's CIAgent trap receiver (admin guide chapter 4, "Configuring Trap
// Sinks for CIAgent Traps"): runs net-snmp's snmptrapd in the foreground and prints every
// trap and inform it receives, names resolved with the product's MIBs, until interrupted.
//
// By default it listens on 127.0.0.1:162, where the shipped snmpd.cnf sends its traps, and
// accepts the community cspsAdmin; -c names others, --any-community accepts any, -u (with
// -a/-A, -x/-X) an SNMPv3 user. Port 162 needs root; any port above 1023 does not.
//
// SIGINT, SIGTERM and SIGHUP stop snmptrapd and then traprcv (Ctrl-C reaches both, as
// they share the terminal's process group); a SIGKILL of traprcv alone leaves snmptrapd
// running, as with any wrapper.
//
// Exit status: 0 stopped by a signal, 1 snmptrapd could not start or listen (why on
// standard error), 2 wrong command line.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PRODUCT_MIBS, UsageError, UtilityError, answerInfo, findTool, mibPath, parseLocation, runMain, splitArgs, withoutMibNoise } from './snmp-utility.js';

const USAGE = `usage: traprcv [-p PORT] [-c COMMUNITY]... [--any-community] [-O FLAGS] [-M DIRECTORY] [<location>]
       traprcv -u USER -a PROTOCOL -A PASSPHRASE [-x PROTOCOL -X PASSPHRASE] [-e ENGINE-ID] [<location>]
Prints the SNMP traps and informs it receives (net-snmp's snmptrapd) until interrupted.
  <location>     address and port to listen on: host, host:port, udp:host:port or
                 [IPv6-address]:port (default 127.0.0.1:162, where the shipped
                 snmpd.cnf sends its traps; 0.0.0.0:162 listens on every address)
  -p PORT        the port to listen on (162 needs root; any port above 1023 does not)
  -c COMMUNITY   accept SNMPv1/v2c notifications with this community (default cspsAdmin,
                 the shipped snmpd.cnf's); repeat for more
  --any-community  accept notifications whatever their community
  -u USER        accept SNMPv3 notifications from this user
  -a PROTOCOL    the user's authentication protocol: MD5, SHA, SHA-224, SHA-256, SHA-384,
                 SHA-512
  -A PASSPHRASE  the user's authentication passphrase
  -x PROTOCOL    the user's privacy protocol: DES, AES, AES-192, AES-256
  -X PASSPHRASE  the user's privacy passphrase
  -e ENGINE-ID   the sending agent's engine id (hexadecimal), needed for SNMPv3 traps but
                 not for informs
  -O FLAGS       net-snmp output options, e.g. -O n for numeric OIDs
  -M DIRECTORY   one more directory of MIB files, searched after ${PRODUCT_MIBS}
  --help, --version  this text, or the OpenSPS version
`;

interface TraprcvArgs {
  listen: string;
  display: string;
  communities: string[];
  anyCommunity: boolean;
  user?: { name: string; auth?: string; authPass?: string; priv?: string; privPass?: string; engine?: string };
  output?: string;
  extraMibDirs: string[];
}

const VALUE = new Set(['-p', '-c', '-u', '-a', '-A', '-x', '-X', '-e', '-O', '-M']);

function parse(argv: readonly string[]): TraprcvArgs | 'help' | 'version' {
  const split = splitArgs(argv, VALUE, new Set(['--any-community']));
  if (typeof split === 'string') return split;
  const { values: v, words } = split;
  const anyCommunity = split.flags.has('--any-community');
  if (words.length > 1) throw new UsageError(`one <location> only, not '${words.join(' ')}'`);
  const one = (k: string) => v.get(k)?.at(-1);
  const port = one('-p');
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) throw new UsageError(`-p takes a port from 1 to 65535, not '${port}'`);
  let where = parseLocation(words[0] ?? '127.0.0.1', Number(port ?? 162));
  if (port !== undefined && words[0] && /:\d+$/.test(words[0]) && !words[0].endsWith(`:${port}`)) throw new UsageError('give the port either in <location> or with -p, not both');
  if (port !== undefined) where = parseLocation(words[0] ?? '127.0.0.1', Number(port));
  const name = one('-u');
  for (const k of ['-a', '-A', '-x', '-X', '-e']) if (v.has(k) && !name) throw new UsageError(`${k} belongs to an SNMPv3 user: add -u USER`);
  if (name && (v.has('-a') !== v.has('-A') || v.has('-x') !== v.has('-X'))) throw new UsageError('-a and -A, and -x and -X, go in pairs');
  if (name && v.has('-x') && !v.has('-a')) throw new UsageError('privacy (-x) needs authentication (-a) too');
  for (const k of ['-A', '-X']) {
    const pass = one(k);
    if (pass !== undefined && (pass.length < 8 || /[\x00-\x1f\x7f]/.test(pass))) throw new UsageError(`${k}: an SNMPv3 passphrase has at least 8 characters and no control characters`);
  }
  for (const k of ['-a', '-x']) if (v.has(k) && !/^[A-Za-z0-9-]{2,10}$/.test(one(k)!)) throw new UsageError(`${k} '${one(k)}' is not a protocol name`);
  const engine = one('-e');
  if (engine !== undefined && !/^(0x)?[0-9A-Fa-f]{10,64}$/.test(engine)) throw new UsageError(`-e takes an engine id in hexadecimal, not '${engine}'`);
  for (const w of [...(v.get('-c') ?? []), name ?? '']) if (/[\s"'#\\]/.test(w)) throw new UsageError(`'${w}' cannot be a community or user name here`);
  return {
    listen: where.spec,
    display: where.display,
    communities: v.get('-c') ?? ['cspsAdmin'],
    anyCommunity,
    user: name ? { name, auth: one('-a'), authPass: one('-A'), priv: one('-x'), privPass: one('-X'), engine } : undefined,
    output: one('-O'),
    extraMibDirs: (v.get('-M') ?? []).flatMap((d) => d.split(':')).filter(Boolean),
  };
}

/**
 * One notification: time, sender, version and community or user (for SNMPv1 traps, also
 * the enterprise and trap numbers), then one line per variable binding.
 */
const HEAD = '%.4y-%.2m-%.2l %.2h:%.2j:%.2k from %b, %P';
const FORMAT2 = `${HEAD}\\n  %V\\n  %v\\n`;
const FORMAT1 = `${HEAD}\\n  enterprise %N, generic trap %w, specific trap %q\\n  %V\\n  %v\\n`;

const quote = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;

/** snmptrapd.conf: who may send, and only "log" (print) as the action. */
function trapdConf(a: TraprcvArgs): string {
  const lines = ['# written by traprcv for one run; removed when it ends', '[snmp] showMibErrors no', `format1 ${FORMAT1}`, `format2 ${FORMAT2}`];
  if (a.anyCommunity) lines.push('disableAuthorization yes');
  else for (const c of a.communities) lines.push(`authCommunity log ${c}`);
  const u = a.user;
  if (u) {
    const auth = u.auth ? ` ${u.auth} ${quote(u.authPass!)}` : '';
    const priv = u.priv ? ` ${u.priv} ${quote(u.privPass!)}` : '';
    lines.push(`createUser ${u.engine ? `-e ${u.engine.replace(/^0x/, '')} ` : ''}${u.name}${auth}${priv}`);
    lines.push(`authUser log ${u.name} ${u.priv ? 'priv' : u.auth ? 'auth' : 'noauth'}`);
  }
  return lines.join('\n') + '\n';
}

/** Why snmptrapd could not listen, in a sentence (its own line is printed too). */
function explainStart(out: string, a: TraprcvArgs): string | undefined {
  if (/Permission denied|errno 13/.test(out)) {
    return `no permission to listen on ${a.display}: ports below 1024 need root (the guide runs traprcv as root). Give a port above 1023 (-p 16200) and point snmpd.cnf's snmpTargetAddrEntry at it.`;
  }
  if (/Address already in use|errno 98/.test(out)) return `${a.display} is taken: another trap receiver (snmptrapd?) already listens there.`;
  if (/Cannot assign requested address|errno 99/.test(out)) return `${a.display} is not an address of this host.`;
  if (/couldn't open|Failed to open/i.test(out)) return `cannot listen on ${a.display}.`;
  return undefined;
}

runMain('traprcv', USAGE, async () => {
  const a = parse(process.argv.slice(2));
  if (a === 'help' || a === 'version') answerInfo('traprcv', a, USAGE);
  const file = findTool('snmptrapd');
  const dirs = await mibPath(a.extraMibDirs);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'traprcv-'));
  const conf = path.join(tmp, 'snmptrapd.conf');
  writeFileSync(conf, trapdConf(a), { mode: 0o600 });
  const args = ['-f', '-Lo', '-n', '-C', '-c', conf, '-M', dirs, '-m', 'ALL', ...(a.output ? ['-O', a.output] : []), a.listen];
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SNMP_PERSISTENT_DIR: tmp } });
  let seen = '';
  // Print each complete line as it comes, without net-snmp's MIB-loading chatter.
  const passer = (to: NodeJS.WriteStream) => {
    let partial = '';
    return {
      data(chunk: string) {
        const text = partial + chunk;
        const cut = text.lastIndexOf('\n') + 1;
        partial = text.slice(cut);
        const lines = withoutMibNoise(text.slice(0, cut));
        if (seen.length < 65536) seen += lines;
        if (lines.replace(/\n/g, '')) to.write(lines.endsWith('\n') ? lines : `${lines}\n`);
      },
      end() {
        if (partial) this.data('\n');
      },
    };
  };
  const out = passer(process.stdout);
  const err = passer(process.stderr);
  child.stdout.setEncoding('utf8').on('data', (d: string) => out.data(d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => err.data(d));
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      stopping = true;
      child.kill('SIGTERM');
    });
  }
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (e) => reject(new UtilityError(`cannot run ${file}: ${e.message}`)));
    child.on('close', (c) => resolve(c ?? 1));
  }).finally(() => rmSync(tmp, { recursive: true, force: true }));
  out.end();
  err.end();
  if (stopping) return 0;
  const why = explainStart(seen, a);
  throw new UtilityError(why ?? `snmptrapd ended (exit status ${code}).`);
});
