// sps_setup's main: gathers the answers, edits every conf file in memory, checks the result
// as `sipd -t` and the agent would, runs the MySQL step, and only then writes the files.
// Every run is logged in logs/sps_setup_log; no password reaches the log or the screen.
import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatMessage, parseConfig } from '../../server/config.js';
import type { ConfigMessage } from '../../config/loader.js';
import { isIPv6 } from '../../config/define.js';
import { parseSnmpdCnf } from '../../agent/cnf/snmpd-cnf.js';
import { endpointText, parseMySqlHost } from '../../stores/mysql/pool.js';
import { columnsFromConfig } from '../../stores/mysql/subscriber-store.js';
import { checkPserverSettingsText } from '../../provisioning/settings.js';
import { KEYS, SECRET, checkAnswers } from './questions.js';
import type { Answers, Key } from './questions.js';
import { galeraFileProblems, galeraNextStep, galeraSetupOf, renderGaleraConf } from './galera.js';
import { mysqlTlsFromConfig } from '../../stores/mysql/tls.js';
import type { MySqlTls } from '../../stores/mysql/tls.js';
import { formatAnswers, parseAnswers } from './answers-file.js';
import { HOST_NAME_DIRECTIVES, directiveValue, quoteArg, replaceWord, setDirective } from '../../config/conf-edit.js';
import { placeBlock, snmpdBlock } from './snmpd-block.js';
import { createDatabase, probeTable } from './mysql.js';
import type { DbPlace } from './mysql.js';
import { applyPerms, groupId, idName, modeText, permsFor, readEdit, textOf, userId, writeKeeping } from './file-writing.js';
import { makeSelfSignedCertificate } from '../../common/web/listen.js';
import type { FileEdit } from './file-writing.js';
import { CARRIED, answersFromFiles, carry, defaults } from './starting-answers.js';
import { ask } from './interview.js';
import { writeAgentEnv } from './drweb.js';
import { USAGE, parseArgs } from './options.js';
import { versionText } from '../../common/install.js';

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === 'help' || args === 'version') {
    process.stdout.write(args === 'help' ? `${USAGE}\n` : versionText('sps_setup'));
    return 0;
  }
  if (typeof args === 'string') {
    process.stderr.write(`sps_setup: ${args}\n${USAGE}\n`);
    return 2;
  }
  const conf = path.join(args.prefix, 'conf');
  const sipdConf = path.join(conf, 'sipd.conf');
  const answersFile = path.join(conf, 'sps_setup.answers');
  const logFile = path.join(args.prefix, 'logs', 'sps_setup_log');
  if (!existsSync(sipdConf)) {
    process.stderr.write(`sps_setup: ${sipdConf} not found: --prefix must name an OpenSPS installation (the directory holding conf/sipd.conf)\n`);
    return 2;
  }
  const log = (s: string) => {
    try {
      mkdirSync(path.dirname(logFile), { recursive: true });
      appendFileSync(logFile, `[${new Date().toISOString()}] ${s}\n`);
    } catch (e) {
      process.stderr.write(`sps_setup: cannot write ${logFile}: ${(e as Error).message}\n`);
    }
  };

  // Previous answers, then what the files say now: the defaults of this run.
  const errors: string[] = [];
  let previous: Answers = {};
  if (existsSync(answersFile)) {
    const r = parseAnswers(readFileSync(answersFile, 'utf8'), answersFile);
    previous = r.answers;
    errors.push(...r.errors);
  }
  const sipd = readEdit(sipdConf);
  const ps = readEdit(path.join(conf, 'ps.conf'));
  const current: Answers = { ...previous, ...answersFromFiles(sipd.lines, ps.lines) };
  const fresh = defaults();
  const before: Answers = { ...fresh, ...current };
  // What this host was set up with (not what we would guess): the address and name to replace.
  const oldAddress = current.host_address ?? '';
  const oldName = current.host_name ?? '';
  let given: Answers = {};
  let givenLines: Partial<Record<Key, number>> = {};
  if (args.answersFile) {
    let text: string;
    try {
      text = readFileSync(args.answersFile, 'utf8');
    } catch (e) {
      process.stderr.write(`sps_setup: cannot read ${args.answersFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 2;
    }
    const r = parseAnswers(text, args.answersFile);
    given = r.answers;
    givenLines = r.lines;
    errors.push(...r.errors);
  }
  given = { ...given, ...args.given };
  if (errors.length) {
    for (const e of errors) process.stderr.write(`sps_setup: ${e}\n`);
    return 2;
  }

  // Where the subscriber table is, by the file as it stands (it is not asked).
  const conn = parseConfig(textOf(sipd), sipd.file);
  const place = (a: Answers, timeoutS: number): DbPlace => ({
    server: parseMySqlHost(a.mysql_host ?? 'localhost'),
    database: conn.ok ? conn.config.values.DB_MySQL_DB : (directiveValue(sipd.lines, 'DB_MySQL_DB') ?? 'sip'),
    table: conn.ok ? conn.config.values.DB_MySQL_SubscriberTable : (directiveValue(sipd.lines, 'DB_MySQL_SubscriberTable') ?? 'subscriber'),
    timeoutMs: timeoutS * 1000,
  });

  let answers: Answers;
  if (args.interactive) {
    const r = await ask(before, oldAddress, oldName, (a) => probeTable(a, place(a, 3)));
    if (typeof r === 'string') {
      process.stderr.write(`\nsps_setup: ${r}; nothing was changed\n`);
      return 2;
    }
    answers = r;
  } else {
    answers = { ...before, ...given };
  }

  if (!args.interactive) for (const k of CARRIED) if (given[k] === undefined) carry(answers, k, oldAddress, oldName);
  // A Galera node talks to the others on this host's address unless told otherwise.
  if (answers.galera && answers.galera !== 'off' && !answers.galera_node_address) answers.galera_node_address = answers.host_address;
  const bad = [...checkAnswers(answers), ...galeraFileProblems(answers)];
  if (bad.length) {
    // An answer read from --answers FILE is blamed on its line there (an option given too wins).
    for (const e of bad) {
      const k = e.slice(0, e.indexOf(':')) as Key;
      const line = args.answersFile && args.given[k] === undefined ? givenLines[k] : undefined;
      process.stderr.write(`sps_setup: ${line ? `${args.answersFile}:${line}: ` : ''}${e}\n`);
    }
    process.stderr.write('sps_setup: nothing was changed\n');
    return 2;
  }

  // Every place holding the old address: all conf files, comments excepted.
  const notes: string[] = [];
  const others: FileEdit[] = [];
  const snmpd = readEdit(path.join(conf, 'snmpd.cnf'));
  for (const name of readdirSync(conf).sort()) {
    if (!/\.(cnf|conf)$/.test(name) || ['sipd.conf', 'ps.conf', 'snmpd.cnf'].includes(name)) continue;
    others.push(readEdit(path.join(conf, name)));
  }
  const newAddress = answers.host_address!;
  for (const e of [sipd, snmpd, ps, ...others]) notes.push(...replaceWord(e.lines, oldAddress, newAddress, e.file));
  if (oldName && answers.host_name) notes.push(...replaceWord(sipd.lines, oldName, answers.host_name, sipd.file, HOST_NAME_DIRECTIVES));

  // sipd.conf directives.
  const port = answers.sip_port!;
  const listen = isIPv6(newAddress) ? `[${newAddress}]:${port}` : `${newAddress}:${port}`;
  const set = (n: string, v: string | undefined) => notes.push(...setDirective(sipd.lines, n, v ? [v] : [], sipd.file));
  set('ProxyDomain', answers.proxy_domain);
  set('ServerName', answers.host_name);
  set('Port', port);
  set('Listen', listen);
  set('IpAddrInPathHeaders', newAddress);
  const farm = answers.farm_members ? quoteArg(answers.farm_members) : undefined;
  set('Cisco_Registry_Farm_Members', farm);
  set('Cisco_Routing_Farm_Members', farm);
  set('DB_MySQL', answers.mysql === 'on' ? 'On' : 'Off');
  if (answers.mysql === 'on') {
    set('DB_MySQL_HostName', answers.mysql_host);
    set('DB_MySQL_Username', quoteArg(answers.mysql_user!));
    set('DB_MySQL_Password', answers.mysql_password ? quoteArg(answers.mysql_password) : undefined);
    const tls = answers.mysql_tls ?? 'off';
    set('DB_MySQL_TLS', tls === 'verify' ? 'Verify' : tls === 'on' ? 'On' : undefined);
    set('DB_MySQL_TLS_CA_File', tls === 'verify' && answers.mysql_tls_ca_file ? answers.mysql_tls_ca_file : undefined);
  }
  const galera = galeraSetupOf(answers);

  // snmpd.cnf block and ps.conf.
  placeBlock(snmpd.lines, snmpdBlock(answers));
  if (ps.before === undefined) ps.lines = ['# ps.conf -- provisioning server (pserver) settings, written by sps_setup.', ''];
  notes.push(...setDirective(ps.lines, 'PServerPort', [answers.pserver_port!], ps.file));
  notes.push(...setDirective(ps.lines, 'PServerFirstAdministrator', [quoteArg(answers.pserver_admin!)], ps.file));

  // Check before writing anything: sipd.conf as `sipd -t` would, snmpd.cnf as the agent would.
  const problems: ConfigMessage[] = [];
  const checked = parseConfig(textOf(sipd), sipd.file);
  if (!checked.ok) problems.push(...checked.errors);
  problems.push(...parseSnmpdCnf(textOf(snmpd), snmpd.file).messages.filter((m) => m.severity === 'error'));
  problems.push(...checkPserverSettingsText(textOf(ps), ps.file));
  if (problems.length || !checked.ok) {
    for (const p of problems) process.stderr.write(`sps_setup: ${formatMessage(p)}\n`);
    process.stderr.write('sps_setup: the result would not load, so nothing was changed\n');
    log(`run failed; nothing changed: ${problems.map(formatMessage).join('; ')}`);
    return 1;
  }

  const shown = KEYS.filter((k) => answers[k] !== undefined).map((k) => `${k}=${SECRET.has(k) && answers[k] ? '********' : answers[k]}`);
  log(`sps_setup ${args.interactive ? 'interactive' : 'non-interactive'} run in ${args.prefix}: ${shown.join(' ')}`);
  // Notes and MySQL's messages may quote values: no password goes to the log or the screen.
  const secrets = [...SECRET].map((k) => answers[k]).filter((x): x is string => !!x);
  const mask = (n: string) => secrets.reduce((t, x) => t.split(x).join('********'), n);
  const say = (n: string) => {
    process.stdout.write(`sps_setup: ${mask(n)}\n`);
    log(mask(n));
  };

  // The Galera option file first: the node must run with it before the database can be made.
  if (galera) {
    try {
      const text = renderGaleraConf(galera);
      const file = answers.galera_conf_file!;
      if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
        writeKeeping(file, text, 0o644);
        say(`Galera: wrote ${file} (${galera.role === 'bootstrap' ? 'first node of' : 'joining'} cluster ${galera.clusterName}, nodes ${[galera.node, ...galera.others].map((n) => `${n.host}:${n.port}`).join(' ')}${galera.tls ? ', replication over TLS' : ''})`);
      }
      say(galeraNextStep(galera));
    } catch (e) {
      process.stderr.write(`sps_setup: Galera: ${(e as Error).message}\nsps_setup: nothing else was changed\n`);
      log(`Galera file not written: ${(e as Error).message}`);
      return 1;
    }
  }

  // The database before any other file: when it fails, the files stay as they were.
  const mysql = answers.mysql === 'on';
  if (mysql && answers.mysql_create_db === 'yes') {
    const v = checked.config.values;
    // With Galera, its option file is written already (the database lives in the node that uses it).
    let tls: MySqlTls | undefined;
    try {
      tls = mysqlTlsFromConfig(checked.config);
    } catch (e) {
      process.stderr.write(`sps_setup: ${(e as Error).message}\nsps_setup: the MySQL step failed, so no file${galera ? ' in conf/' : ''} was changed\n`);
      return 1;
    }
    const p: DbPlace = { ...place(answers, Math.max(v.DB_MySQL_Connect_Timeout, 10)), database: v.DB_MySQL_DB, table: v.DB_MySQL_SubscriberTable, ...(tls && { tls }) };
    try {
      await createDatabase(answers, p, columnsFromConfig(v), (line) => say(`MySQL ${endpointText(p.server)}: ${line}`));
    } catch (e) {
      const m = mask(`MySQL ${endpointText(p.server)}: ${(e as Error).message}`);
      process.stderr.write(`sps_setup: ${m}\nsps_setup: the MySQL step failed, so no file${galera ? ' in conf/' : ''} was changed\n`);
      log(`${m} (run failed, no file changed)`);
      return 1;
    }
  }

  if (oldAddress && oldAddress !== newAddress) log(`address changed from ${oldAddress} to ${newAddress}`);
  // sipd.conf is private to root and csps while it holds a password (DB_MySQL_Password).
  const secretConf = !!directiveValue(sipd.lines, 'DB_MySQL_Password');
  // snmpd.cnf is private the same way while it holds the SNMPv3 user's passphrases.
  const secretSnmpd = !!answers.snmp_v3_user;
  try {
    for (const e of [sipd, snmpd, ps, ...others]) {
      const text = textOf(e);
      const secret = (e === sipd && secretConf) || (e === snmpd && secretSnmpd);
      if (text === e.before) {
        if (secret) applyPerms(e.file, permsFor(e.file, 0o640, true));
        continue;
      }
      writeKeeping(e.file, text, 0o640, secret);
      log(`wrote ${e.file}`);
    }
    writeKeeping(answersFile, formatAnswers(answers), 0o600);
  } catch (e) {
    process.stderr.write(`sps_setup: ${(e as Error).message}\n`);
    log(`write failed: ${(e as Error).message}`);
    return 1;
  }
  for (const n of notes) log(`  ${mask(n)}`);
  for (const n of notes) process.stdout.write(`  ${mask(n)}\n`);
  process.stdout.write(`sps_setup: ${sipd.file}: Syntax OK\n`);
  if (secretConf) {
    const st = statSync(sipd.file);
    say(`${path.basename(sipd.file)} holds the MySQL password: mode ${modeText(st.mode)}, owner ${idName('/etc/passwd', st.uid)}:${idName('/etc/group', st.gid)}${st.mode & 0o007 ? ' (readable by others: restrict it)' : ''}`);
  }
  if (previous.snmp_community !== undefined && previous.snmp_community_sources === undefined && answers.snmp_community_sources === fresh.snmp_community_sources) {
    say(`snmp_community_sources: the community ${answers.snmp_community} now answers ${answers.snmp_community_sources} only (earlier runs let it answer any address); widen it with --snmp-community-sources "ADDRESS[/BITS] ..." if a manager elsewhere still uses v2c`);
  }
  const generated = (['snmp_v3_auth_password', 'snmp_v3_priv_password'] as const).filter((k) => answers.snmp_v3_user && answers[k] === fresh[k]);
  if (generated.length) {
    say(`SNMPv3 user ${answers.snmp_v3_user} (SHA-256, AES): generated ${generated.join(' and ')}; read ${generated.length > 1 ? 'them' : 'it'} in ${answersFile} (mode 0600), or run sps_setup again to choose your own`);
  }
  if (mysql && answers.mysql_create_db !== 'yes') {
    say(`MySQL: the database was not touched; if ${answers.mysql_user} cannot use it yet, run sps_setup again with mysql_create_db=yes, or install_mysql_db`);
  }
  await guiCertificate(ps, conf, answers.host_name || answers.host_address || 'localhost', say);
  await writeAgentEnv(conf, answers.drweb_port ?? '', answers.host_address ?? '', answers.host_name || answers.host_address || 'localhost', say);
  process.stdout.write(`sps_setup: done (log: ${logFile}). Apply with "${path.join(args.prefix, 'bin', 'sip')} restart" (Listen and Port need a full restart).\n`);
  return 0;
}

/**
 * The GUI's self-signed certificate for this host's name, unless ps.conf names one or a
 * pair is already there; owned by csps when run as root, since pserver runs as csps.
 */
async function guiCertificate(ps: FileEdit, conf: string, host: string, say: (n: string) => void): Promise<void> {
  if (directiveValue(ps.lines, 'PServerCertificateFile') !== undefined) return;
  try {
    const t = await makeSelfSignedCertificate(path.join(conf, '..', 'data', 'pserver'), host);
    const uid = userId('csps');
    const gid = groupId('csps');
    if (process.geteuid?.() === 0 && uid !== undefined && gid !== undefined) {
      // data/pserver is pserver's own directory: its accounts and audit log go there too.
      for (const f of [path.dirname(t.keyFile), t.keyFile, t.certFile]) chownSync(f, uid, gid);
    }
    say(`provisioning GUI: HTTPS with the self-signed certificate ${t.certFile}; set PServerCertificateFile and PServerKeyFile in ps.conf for one your browsers trust`);
  } catch (e) {
    say(`provisioning GUI: no certificate made (${(e as Error).message}); pserver makes one at its first start`);
  }
}
