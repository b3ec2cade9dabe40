// What the manual pages say beyond what the programs print: a one-line summary, the
// description, exit status, files and cross-references. SYNOPSIS and OPTIONS come from
// each command's --help output, sipd.conf(5) from the directive schema, and the format
// sections of the .cnf pages from the comments of the files we ship (see ./index.ts), so
// those parts cannot drift from the programs. @PREFIX@ is the install prefix.

/** A block of a section: a paragraph, lines shown as they are, or term/description items. */
export type Block = string | { readonly pre: readonly string[] } | { readonly items: readonly (readonly [string, string])[] };

export interface Section {
  readonly title: string;
  readonly blocks: readonly Block[];
}

export interface PageText {
  /** File and NAME: sipd, sipd.conf, critagt.cnf. */
  readonly name: string;
  readonly section: 5 | 8;
  /** The NAME line's description. */
  readonly summary: string;
  readonly description: readonly Block[];
  /** Sections after OPTIONS (commands) or after the format (files). */
  readonly sections?: readonly Section[];
  readonly seeAlso: readonly string[];
}

export interface CommandPage extends PageText {
  readonly section: 8;
}

export interface FilePage extends PageText {
  readonly section: 5;
  /** The shipped file under conf/ whose comments give the format (not for the directive files). */
  readonly shipped?: string;
  /** A directive file (sipd.conf, ps.conf): the list is written from its program's schema, around this text. */
  readonly directives?: { readonly schema: Schema; readonly description: readonly string[]; readonly file: readonly [string, string] };
}

import type { Schema } from '../../src/config/schema.js';
import { PSERVER_SCHEMA } from '../../src/provisioning/settings.js';
import { SIPD_SCHEMA } from '../../src/server/modules.js';

const exitStatus = (items: [string, string][]): Section => ({ title: 'EXIT STATUS', blocks: [{ items }] });
const files = (items: [string, string][]): Section => ({ title: 'FILES', blocks: [{ items }] });

const CONF = '@PREFIX@/conf/sipd.conf';

export const COMMAND_PAGES: readonly CommandPage[] = [
  {
    name: 'sipd',
    section: 8,
    summary: 'OpenSPS SIP proxy, registrar and redirect server',
    description: [
      'sipd is the SIP server of OpenSPS: a proxy (stateful or stateless), registrar and redirect server after RFC 3261, configured by sipd.conf(5) as the Cisco SIP Proxy Server 2.2 was.',
      'Without -X it checks the configuration, starts a copy of itself in the background, waits until that copy has bound its sockets and written its pid file, and exits 0; when the copy fails it prints why and exits 1. With -X it stays in the foreground. Started as root, it binds its ports and then runs as the User and Group of the configuration.',
      'Loading large route, registration or subscriber tables takes a while; the background copy reports how far it got about once a second, and sipd prints each report (for example "sipd: loading routes: 400,000"). sipd gives the copy up, kills it and exits 1 when it has said nothing for 10 seconds, or after 15 minutes in all.',
      'Operators normally start and stop sipd with sip(8) (or the sipd service), which also performs graceful restarts; sipd -t checks a file without starting anything.',
    ],
    sections: [
      {
        title: 'SIGNALS',
        blocks: [
          {
            items: [
              ['SIGTERM, SIGINT', 'stop: close the sockets, finish the logs and remove the pid file.'],
              ['SIGHUP, SIGUSR1', 'graceful restart: read the configuration again and apply what can change without a restart (sip graceful does the same over the control socket).'],
            ],
          },
        ],
      },
      {
        title: 'ENVIRONMENT',
        blocks: [{ items: [['OPENSPS_START_IDLE_MS', 'how long, in milliseconds, sipd without -X waits for a word from its background copy before giving it up (default 10000); for tests.']] }],
      },
      exitStatus([
        ['0', 'started (or, with -t, the configuration is valid: "Syntax OK").'],
        ['1', 'the configuration has errors or the server could not start.'],
        ['2', 'wrong command line.'],
      ]),
      files([
        [CONF, 'the configuration, see sipd.conf(5).'],
        ['@PREFIX@/logs/sipd.pid', 'the process id of the running server (PidFile).'],
        ['@PREFIX@/logs/error_log, access_log, stats_log', 'the logs (ErrorLog, CustomLog, SIPStatsLog).'],
        ['@PREFIX@/data/', 'the registration and route tables of the embedded store.'],
      ]),
    ],
    seeAlso: ['sip(8)', 'sipd.conf(5)', 'sps_setup(8)', 'sysadmin_sps_regroute(8)', 'rotatelogs(8)', 'ciagent(8)'],
  },
  {
    name: 'sip',
    section: 8,
    summary: 'start, stop and gracefully restart the OpenSPS SIP server',
    description: [
      'sip is the control script of sipd(8). It finds the server through the PidFile of the configuration file, talks to it over the control socket beside the pid file, and falls back to signals when that socket is not there.',
      'start starts sipd and returns once it has bound its sockets, printing sipd\'s progress lines while it loads large tables; stop stops it; restart does both; graceful re-reads the configuration without dropping calls in progress (directives that need a full restart are reported); status tells whether sipd runs. txngraceful-restart drains the server first: for the given number of seconds new INVITE and REGISTER requests are refused (behaviour 1, 503 with Retry-After) or left unanswered (behaviour 2) while transactions in progress finish, then sipd is restarted.',
      'farm push sets farm-wide directives on every member of a farm on the shared MySQL/Galera database (DB_MySQL On, farm member lists set). Each VALUE is the directive\'s arguments as written in sipd.conf, "" switches the directive off, and a NAME given twice gives two lines; --from reads such lines from a file. Host-specific directives are refused: where the host listens and who it is (Listen, Port, SipTlsPort, ServerName, IpAddrInPathHeaders, User, Group, AgentXSocket), every path and log target, LogLevel and DebugFlag (raised on one member while it is debugged), the farm member lists (each member lists the others), how the member reaches the database (DB_MySQL, its host names, database, account, password and connect timeout) and the ports of the old farm protocol. The values, together with every farm-wide value pushed before, must load in this host\'s sipd.conf as sipd -t loads it, or nothing is written. Then a new generation is written to the shared database; every member\'s sipd merges it into its own sipd.conf (comments and host-specific lines kept), checks the result as sipd -t does, replaces the file only when it loads, and runs a graceful restart. A directive that needs a full restart is reported as restart-pending unless --restart was given and the member\'s sipd was started by sip start, which then restarts it. push waits (--wait, 30 s by default) and prints one line per member: applied, unchanged, invalid (with file:line:col of each error), restart-pending, failed, or not answering. A member that was down applies the newest generation when it starts. farm status shows the newest generation (or the one given), who pushed it and when, and each member\'s outcome.',
    ],
    sections: [
      {
        title: 'ENVIRONMENT',
        blocks: [{ items: [['OPENSPS_START_IDLE_MS', 'passed on to sipd(8): how long start waits for a word from the starting server (default 10000 ms); for tests. start itself waits 10 s longer.']] }],
      },
      exitStatus([
        ['0', 'done (status: running; farm push: every member applied the change, or has it pending a restart).'],
        ['1', 'the action failed (farm push: nothing was pushed, or a member refused or failed it, or did not answer).'],
        ['2', 'wrong command line.'],
        ['3', 'status: sipd is stopped.'],
      ]),
      files([[CONF, 'the configuration whose PidFile names the server; farm push and farm status log in to the database it names (DB_MySQL_*).']]),
    ],
    seeAlso: ['sipd(8)', 'sipd.conf(5)', 'install_mysql_db(8)', 'csps_ciagent_ctl(8)'],
  },
  {
    name: 'ciagent',
    section: 8,
    summary: 'OpenSPS SNMP master agent',
    description: [
      'ciagent answers SNMP requests about the host and the SIP server, and drives the server through the MIBs the Cisco SIP Proxy Server\'s agent served: CRITAPP-MIB starts, stops and watches sipd (critagt.cnf(5)), LOG-MIB watches log files (logagt.cnf(5)), DISMAN-EVENT-MIB sends notifications on thresholds (eventagt.cnf(5)) and DISMAN-SCRIPT-MIB runs registered commands such as a graceful restart (smpop.cnf(5)). Communities, SNMPv3 users, access control and notification targets are in snmpd.cnf(5).',
      'Without -f it starts a detached copy of itself and returns once that copy answers on its port (exit 0) or has failed (exit 1). A coldStart notification goes out at every start.',
      'With --http it also serves the Dr-Web pages (Critical Application Monitor with start and stop, log monitor, event thresholds with a chart of the processor load, host resources, system applications) and their JSON API. Users are the httpUserNameEntry lines of snmpd.cnf(5), each with a scrypt hash that ciagent --hash-password prints; a line with a clear-text password is refused. Starting or stopping an application from a page does what a SET of critAppAdminStatus does, with the same notifications, and is logged with the user\'s name.',
    ],
    sections: [
      {
        title: 'SIGNALS',
        blocks: [
          {
            items: [
              ['SIGTERM', 'stop.'],
              ['SIGHUP', 're-read snmpd.cnf (the Dr-Web users too) and let each MIB module reload its own file.'],
            ],
          },
        ],
      },
      files([
        ['@PREFIX@/conf/snmpd.cnf', 'communities, users, access control, notification targets; see snmpd.cnf(5).'],
        ['@PREFIX@/conf/critagt.cnf, logagt.cnf, eventagt.cnf, smpop.cnf', 'the MIB modules\' rows; see their pages.'],
        ['@PREFIX@/logs/ciagent.pid, ciagent_log', 'the pid file and the log.'],
        ['@PREFIX@/data/', 'state kept across restarts (the SNMP engine id; with --http, drweb-session-secret, mode 0600).'],
      ]),
    ],
    seeAlso: ['csps_ciagent_ctl(8)', 'snmpd.cnf(5)', 'critagt.cnf(5)', 'logagt.cnf(5)', 'eventagt.cnf(5)', 'smpop.cnf(5)', 'sipd(8)'],
  },
  {
    name: 'csps_ciagent_ctl',
    section: 8,
    summary: 'start and stop the OpenSPS SNMP agent',
    description: [
      'csps_ciagent_ctl controls ciagent(8) in the manner of an init script. start starts the agent unless it runs already, stop stops it, restart does both and status reports it. Options after the action are passed to ciagent (for example --pid-file, which both read).',
    ],
    sections: [
      {
        title: 'ENVIRONMENT',
        blocks: [{ items: [['OPENSPS_START_IDLE_MS', 'passed on to sipd(8): how long start waits for a word from the starting server (default 10000 ms); for tests. start itself waits 10 s longer.']] }],
      },
      exitStatus([
        ['0', 'done (status: running).'],
        ['1', 'the action failed (status: the agent is dead but its pid file exists).'],
        ['2', 'wrong command line.'],
        ['3', 'status: the agent is stopped.'],
      ]),
    ],
    seeAlso: ['ciagent(8)', 'sip(8)'],
  },
  {
    name: 'sps_setup',
    section: 8,
    summary: 'set up an installed OpenSPS',
    description: [
      'sps_setup asks for (or reads) the proxy domain, this host\'s address and name, the farm members, the MySQL subscriber database, the SNMP settings, the provisioning server\'s port and its first administrator, and writes them into conf/sipd.conf (the directives\' values edited in place, comments and every other line kept), a block of conf/snmpd.cnf that it owns, and conf/ps.conf.',
      'Run it again to change anything, the IP address in particular: the previous answers are kept in conf/sps_setup.answers and every place holding the old address is rewritten. Nothing is written unless the result passes the same check as sipd -t. With MySQL on and mysql_create_db=yes it also creates or upgrades the database before any file is written.',
    ],
    sections: [
      files([
        ['@PREFIX@/conf/sps_setup.answers', 'the answers of the last run.'],
        ['@PREFIX@/logs/sps_setup_log', 'a record of every run.'],
      ]),
    ],
    seeAlso: ['sipd.conf(5)', 'snmpd.cnf(5)', 'install_mysql_db(8)', 'sipd(8)'],
  },
  {
    name: 'pserver',
    section: 8,
    summary: 'the OpenSPS provisioning GUI and its JSON API',
    description: [
      'pserver serves the web pages that provision OpenSPS (subscribers, registry, routes, farm and sipd.conf, server control, accounts) and the same operations as a JSON API under /api/, documented at /api/openapi.json. It listens on port 26005 over HTTPS (a self-signed certificate is made at first start unless one is configured); plain HTTP is allowed on a loopback address only.',
      'At its first start, with no account at all, it creates the administrator named by PServerFirstAdministrator (cspsuser) with a one-time password, written to data/pserver/initial-password and logs/pserver_log, that must be changed at first login before anything else is allowed.',
      'Its settings are read from conf/ps.conf (see ps.conf(5)), in the syntax of sipd.conf(5); pserver -t checks them.',
    ],
    sections: [
      exitStatus([
        ['0', 'done (start: pserver listens; -t: the settings are valid).'],
        ['1', 'the settings are wrong, or pserver could not start or stop.'],
        ['2', 'wrong command line.'],
      ]),
      files([
        ['@PREFIX@/conf/ps.conf', 'the settings; see ps.conf(5).'],
        ['@PREFIX@/data/pserver/accounts.json', 'the accounts (scrypt hashes), mode 0600.'],
        ['@PREFIX@/data/pserver/audit.log', 'who changed what, one JSON object per line.'],
        ['@PREFIX@/logs/pserver_log', 'requests, sign-ins, failed logins and errors.'],
        ['@PREFIX@/logs/pserver.pid', 'the running pserver\'s process id.'],
      ]),
    ],
    seeAlso: ['ps.conf(5)', 'sipd(8)', 'sps_setup(8)', 'ciagent(8)', 'critagt.cnf(5)', 'sipd.conf(5)'],
  },
  {
    name: 'sysadmin_sps_regroute',
    section: 8,
    summary: 'list, import and export the OpenSPS registry and routing databases',
    description: [
      'sysadmin_sps_regroute manages the static registrations and the routes of sipd(8). With -l, -i or -x it does that and ends (import first, then export, then list); otherwise it shows its menu and reads one answer per line from standard input.',
      'When sipd runs, every request goes over its control socket, so the server sees a change on its next request. When sipd is stopped, the tool opens the database files itself. A running sipd whose socket does not answer is an error: the files are never written behind a running server\'s back.',
      'Files are comma-separated; -x appends, and each database starts with its own header line, so one file can hold both and -i with -m both sends each part to its database.',
      'On a farm (DB_MySQL On and farm members named in sipd.conf), -f lists the farm\'s members from the shared farm_member table, whether or not sipd runs here: this host first, then each member the farm directives name, then any member in the table that they do not name; for each its state (starting, running, stopping; stopped or not answering once its heartbeat, written every 5 seconds, is more than 15 seconds old; never seen when no row matches), how long ago its last heartbeat was by the database\'s clock, its version, pid, host, start time, SIP addresses, the digest of its farm-wide directives and how far its clock is from the database\'s. Without a farm on MySQL -f fails with the reason.',
    ],
    sections: [
      exitStatus([
        ['0', 'done.'],
        ['1', 'failed (an import with any error imports nothing).'],
        ['2', 'wrong command line.'],
      ]),
    ],
    seeAlso: ['sipd(8)', 'sipd.conf(5)'],
  },
  {
    name: 'sysadmin_mysql_user',
    section: 8,
    summary: 'show, add, change and remove subscribers of the OpenSPS MySQL database',
    description: [
      'sysadmin_mysql_user manages the subscribers (accounts, passwords and call-forwarding targets) that sipd(8) authenticates and forwards for. Without a command it asks for the MySQL host, user, password, database and table (defaults from sipd.conf) and shows its menu, reading one line at a time from standard input, so that a script can drive it. With a command (show, list, add, modify, remove) it does that one operation and exits.',
      'The MySQL password comes from the environment variable MYSQL_PWD or the DB_MySQL_Password directive; a subscriber\'s password is best given with --password-stdin. --embedded works on the embedded store instead (the default when sipd.conf has DB_MySQL Off).',
    ],
    sections: [
      { title: 'ENVIRONMENT', blocks: [{ items: [['MYSQL_PWD', 'the password of the MySQL account.']] }] },
      exitStatus([
        ['0', 'done.'],
        ['1', 'the operation failed (the reason is on standard error).'],
        ['2', 'wrong command line.'],
      ]),
    ],
    seeAlso: ['install_mysql_db(8)', 'sipd.conf(5)', 'sipd(8)'],
  },
  {
    name: 'install_mysql_db',
    section: 8,
    summary: 'create or upgrade the OpenSPS subscriber database in MySQL',
    description: [
      'install_mysql_db creates the sip database and its subscriber table, or brings an existing one up to the current schema; it is safe to run again. Beside it go the farm\'s shared tables: registrations (location, location_log), routes (route, route_generation, route_log), the members\' heartbeats (farm_member) and the farm configuration that sip farm push writes (farm_config, farm_config_head, farm_config_outcome). Names, host and sipd\'s account come from the DB_MySQL_* directives of sipd.conf; the options override them.',
      'The administrator\'s password is read from MYSQL_PWD or, with --admin-password-stdin, from the first line of standard input. --create-user also creates the account named by DB_MySQL_Username (password DB_MySQL_Password) and lets it read and write the database\'s tables.',
    ],
    sections: [{ title: 'ENVIRONMENT', blocks: [{ items: [['MYSQL_PWD', 'the password of the MySQL administrator account.']] }] }],
    seeAlso: ['sysadmin_mysql_user(8)', 'sps_setup(8)', 'sipd.conf(5)'],
  },
  {
    name: 'mysql_sync_check',
    section: 8,
    summary: 'check that the MySQL/Galera nodes of an OpenSPS farm are in step',
    description: [
      'mysql_sync_check reads every node of the farm\'s MariaDB Galera cluster and says whether they are in step: each node reachable, in the primary component (wsrep_cluster_status Primary), Synced (wsrep_local_state_comment) and ready (wsrep_ready ON), all seeing the same cluster size, and the shared tables (the subscriber table, location, location_log, route, route_generation, route_log, farm_member, farm_config, farm_config_outcome and schema_version, those that exist) holding the same number of rows on each. Counts are read with wsrep_sync_wait on, so every node has applied what the cluster committed before it counts; counts that differ are read once more and only a difference seen twice is reported.',
      'The account, password and database come from the DB_MySQL_* directives of sipd.conf. The first node is DB_MySQL_HostName; the others are those it lists in wsrep_incoming_addresses (each node must have wsrep_node_incoming_address set to its host:port, or MariaDB lists AUTO), and DB_MySQL_Secondary_HostName; a cluster larger than the nodes found is reported. A node that has left the cluster is no longer listed there: name every node with --node, or give the expected size with --expect-size, so that one is reported too.',
      'On a MySQL or MariaDB server without Galera it says the server is not a Galera node and shows its row counts, compared with the secondary\'s when DB_MySQL_Secondary_HostName is set.',
      'Run from cron with --quiet, it prints nothing when all is well, so mail is sent only when there is a problem.',
    ],
    sections: [
      exitStatus([
        ['0', 'every node reachable, Primary and Synced, the same cluster size, row counts equal.'],
        ['1', 'something is degraded or differs; one PROBLEM line says what for each.'],
        ['2', 'wrong command line or configuration, or the first node cannot be read (down, or the account is refused).'],
      ]),
      files([[CONF, 'the DB_MySQL_* directives read.']]),
    ],
    seeAlso: ['install_mysql_db(8)', 'sipd.conf(5)', 'sipd(8)'],
  },
  {
    name: 'rotatelogs',
    section: 8,
    summary: 'write log lines to files that are rotated by time or size',
    description: [
      'rotatelogs is the program that the ErrorLog and CustomLog directives of sipd.conf(5) pipe their logs into, so that logs are rotated without restarting sipd(8). It is modelled on the Apache program of the same name.',
      'In time mode the file name\'s suffix is the start of the current period; a restarted rotatelogs appends to the file of the current period. In size mode a new file is started before the next line would make the current one larger than the limit, and the suffix is the time the file was opened. A line is never split over two files.',
    ],
    sections: [
      exitStatus([
        ['0', 'end of input, or SIGTERM or SIGINT after writing what was read.'],
        ['1', 'wrong arguments.'],
        ['2', 'the log file cannot be opened or written.'],
      ]),
    ],
    seeAlso: ['sipd.conf(5)', 'sipd(8)'],
  },
  ...snmpUtilityPages(),
];

/**
 * getone, setany, getmany and traprcv: the CIAgent utilities of the guide's chapter 4,
 * thin commands over net-snmp's tools; their pages share the words about MIBs and errors.
 */
function snmpUtilityPages(): CommandPage[] {
  const mibs = 'Names resolve against every MIB module in @PREFIX@/mibs (the product\'s: CRITAPP-MIB, LOG-MIB, HOST-RESOURCES-MIB, SYSAPPL-MIB, DISMAN-EVENT-MIB, DISMAN-SCRIPT-MIB and the standard modules they import) and in net-snmp\'s own MIB directories; net-snmp\'s warnings about modules it cannot load are not shown.';
  const request = (what: string): Block[] => [
    what,
    'The arguments come in the order the guide prints them: the version, the agent\'s <location> (host or host:port, port 161 by default), the community, then the object. With -v3 the SNMPv3 options (-u, -l, -a, -A, -x, -X) take the place of the community.',
    mibs,
    'When the request fails, net-snmp\'s own message is printed and then a sentence saying what to check: an agent that does not answer (ciagent not running, wrong address, or a community that snmpd.cnf(5) does not accept from this host), a write refused because the community may only read (as the shipped snmpd.cnf has it), an unknown object name (with the MIB directories searched), or an object the agent does not have.',
  ];
  const status = exitStatus([
    ['0', 'done.'],
    ['1', 'the agent refused the request, did not answer or has no such object, or net-snmp\'s tool is missing (the reason is on standard error).'],
    ['2', 'wrong command line.'],
  ]);
  const see = ['ciagent(8)', 'snmpd.cnf(5)', 'critagt.cnf(5)', 'snmpcmd(1)'];
  return [
    {
      name: 'getone',
      section: 8,
      summary: 'read objects from the OpenSPS SNMP agent',
      description: request('getone reads one or more objects, each named with its instance (critAppOperStatus.1, siLogSize.1, hrProcessorLoad.1), with net-snmp\'s snmpget(1).'),
      sections: [status],
      seeAlso: ['getmany(8)', 'setany(8)', 'snmpget(1)', ...see],
    },
    {
      name: 'setany',
      section: 8,
      summary: 'write an object of the OpenSPS SNMP agent',
      description: request('setany writes one object with net-snmp\'s snmpset(1). The value is read as the type the object\'s MIB gives it, so setany -v2c localhost cspsAdmin critAppAdminStatus.1 1 starts the process of critagt.cnf(5) entry 1, as the guide prints it; a net-snmp type letter before the value overrides the MIB.'),
      sections: [status],
      seeAlso: ['getone(8)', 'snmpset(1)', ...see],
    },
    {
      name: 'getmany',
      section: 8,
      summary: 'read a table or group from the OpenSPS SNMP agent',
      description: request('getmany reads everything under an object (a table such as hrStorageEntry or ifTable, a group such as sysApplInstalled, a column or a scalar) with net-snmp\'s snmpbulkwalk(1), or snmpwalk(1) for SNMPv1. The guide\'s "sysAppRun" is read as sysApplRun.'),
      sections: [status],
      seeAlso: ['getone(8)', 'snmpbulkwalk(1)', ...see],
    },
    {
      name: 'traprcv',
      section: 8,
      summary: 'print the traps and informs sent to this host',
      description: [
        'traprcv runs net-snmp\'s snmptrapd(8) in the foreground and prints each trap or inform it receives: the time, the sender, the SNMP version and community or user, then one line per variable, named with the product\'s MIBs. It stops on Ctrl-C or SIGTERM.',
        'It listens on 127.0.0.1:162 unless told otherwise, which is where the shipped snmpd.cnf(5) sends ciagent\'s notifications. Port 162 needs root; with a port above 1023, point a snmpTargetAddrEntry at it. Only notifications with an accepted community (cspsAdmin unless -c says otherwise) or from the SNMPv3 user given with -u are printed.',
        mibs,
      ],
      sections: [
        exitStatus([
          ['0', 'stopped by a signal.'],
          ['1', 'snmptrapd could not start or listen (for example, the port is taken or needs root), or is not installed.'],
          ['2', 'wrong command line.'],
        ]),
      ],
      seeAlso: ['snmptrapd(8)', 'ciagent(8)', 'snmpd.cnf(5)', 'eventagt.cnf(5)'],
    },
  ];
}

const AGENT_FILE_SEE_ALSO = ['ciagent(8)', 'snmpd.cnf(5)'];

export const FILE_PAGES: readonly FilePage[] = [
  {
    name: 'sipd.conf',
    section: 5,
    summary: 'configuration file of the OpenSPS SIP server',
    description: [],
    directives: {
      schema: SIPD_SCHEMA,
      description: [
        'sipd.conf configures sipd(8), the OpenSPS SIP server. Its syntax and directives are those of the Cisco SIP Proxy Server 2.2 (Appendix B of its administration guide), which took them from the Apache web server.',
        'One directive per line: its name (case does not matter), then its value. A value with blanks goes in double quotes. A line ending in a backslash continues on the next. Lines starting with # are comments. Some directives open a block, <Name id> ... </Name>, that holds directives of its own.',
        'sipd -t -f FILE checks a file and prints "Syntax OK" or each error with its line. sip graceful applies a changed file to the running server; a directive marked below as needing a restart keeps its running value until sip restart, and the graceful restart names it.',
      ],
      file: ['@PREFIX@/conf/sipd.conf', 'the file sipd and the tools read unless told otherwise (sipd -f, sip -f).'],
    },
    seeAlso: ['sipd(8)', 'sip(8)', 'sps_setup(8)', 'rotatelogs(8)'],
  },
  {
    name: 'ps.conf',
    section: 5,
    summary: 'settings of the OpenSPS provisioning server',
    description: [],
    directives: {
      schema: PSERVER_SCHEMA,
      description: [
        'ps.conf configures pserver(8), the web GUI and JSON API that provision OpenSPS. It uses the syntax of sipd.conf(5): one directive per line, its name then its value, # for comments; pserver -t checks the file and names each wrong line with the valid values.',
        'sps_setup(8) writes PServerPort and PServerFirstAdministrator here. pserver reads the file at start; a change needs pserver stop and pserver start (or a restart of the service). Which sipd.conf the GUI edits is PServerSipdConf.',
      ],
      file: ['@PREFIX@/conf/ps.conf', 'read by pserver at start (pserver -f names another file).'],
    },
    seeAlso: ['pserver(8)', 'sipd.conf(5)', 'sps_setup(8)'],
  },
  {
    name: 'snmpd.cnf',
    section: 5,
    summary: 'communities, SNMPv3 users, access control and notification targets of the OpenSPS SNMP agent',
    description: ['snmpd.cnf configures ciagent(8): who may ask what (SNMPv1/v2c communities, SNMPv3 users, view-based access control) and where notifications go. The agent reads it at start and again on SIGHUP. The file can hold SNMPv3 passphrases, so keep it readable by root only.'],
    shipped: 'snmpd.cnf',
    seeAlso: ['ciagent(8)', 'sps_setup(8)', 'critagt.cnf(5)', 'eventagt.cnf(5)'],
  },
  {
    name: 'critagt.cnf',
    section: 5,
    summary: 'processes supervised by the OpenSPS SNMP agent (CRITAPP-MIB)',
    description: ['critagt.cnf lists the processes that ciagent(8) starts, stops and watches through the CRITAPP-MIB critAppProcTable; entry 1 is the SIP server.'],
    shipped: 'critagt.cnf',
    seeAlso: [...AGENT_FILE_SEE_ALSO, 'sip(8)'],
  },
  {
    name: 'logagt.cnf',
    section: 5,
    summary: 'log files watched by the OpenSPS SNMP agent (LOG-MIB)',
    description: ['logagt.cnf lists the log files whose size and contents ciagent(8) watches through the LOG-MIB siLogTable.'],
    shipped: 'logagt.cnf',
    seeAlso: [...AGENT_FILE_SEE_ALSO, 'rotatelogs(8)'],
  },
  {
    name: 'eventagt.cnf',
    section: 5,
    summary: 'event triggers of the OpenSPS SNMP agent (DISMAN-EVENT-MIB)',
    description: ['eventagt.cnf holds the DISMAN-EVENT-MIB (RFC 2981) rows that ciagent(8) starts with: what to sample, how often, and which notification to send when a threshold is crossed.'],
    shipped: 'eventagt.cnf',
    seeAlso: AGENT_FILE_SEE_ALSO,
  },
  {
    name: 'smpop.cnf',
    section: 5,
    summary: 'commands the OpenSPS SNMP agent may run (DISMAN-SCRIPT-MIB)',
    description: ['smpop.cnf registers the commands that ciagent(8) may run through the DISMAN-SCRIPT-MIB; only commands registered here can ever run.'],
    shipped: 'smpop.cnf',
    seeAlso: [...AGENT_FILE_SEE_ALSO, 'sip(8)'],
  },
];
