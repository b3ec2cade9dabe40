// sps_setup — sets up an installed OpenSPS: asks (or reads) the proxy domain, this host's
// address and name, the farm members, MySQL, SNMP and the pserver port, and writes them
// into conf/sipd.conf (directive values edited in place; comments and every other line
// kept), conf/snmpd.cnf (a block it owns) and conf/ps.conf.
//
//   sps_setup                              interactive: one question per item, [default]
//   sps_setup --answers FILE               key=value lines (keys below); no questions
//   sps_setup --host-address 10.1.1.9 …    the same keys as options; no questions
//   options: --prefix DIR (install prefix; default: this installation), -n (no questions)
//
// Run again to change anything, in particular the IP address: the previous answers are
// kept in conf/sps_setup.answers, and every place holding the old address (sipd.conf,
// snmpd.cnf, the other conf files) is rewritten. Nothing is written unless the result
// passes the same check as `sipd -t`. Every run is logged in logs/sps_setup_log.
//
// With MySQL on and mysql_create_db=yes it also creates (or upgrades) the sip database,
// its tables and sipd's account, with install_mysql_db's code, before any file is written:
// when that fails, no file changes.
//
// This file is the program bin/sps_setup loads; its parts are in src/cli/sps-setup/:
// questions.ts, answers-file.ts, options.ts, starting-answers.ts, interview.ts (the answers),
// conf-edit.ts, snmpd-block.ts, file-writing.ts (the files), mysql.ts and main.ts.
import path from 'node:path';
import { main } from './sps-setup/main.js';

export { main };

// Run when started as the program (bin/sps_setup), not when imported by tests.
const entry = path.basename(process.argv[1] ?? '');
if (entry === 'sps_setup' || entry === 'sps-setup.js') process.exitCode = await main(process.argv.slice(2));
