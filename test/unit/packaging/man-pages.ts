// The manual pages every package must ship (issue 16): each command, and the files an
// administrator edits.
export const MAN_PAGES: readonly (readonly [string, 5 | 8])[] = [
  ['sipd', 8], ['sip', 8], ['pserver', 8], ['ciagent', 8], ['csps_ciagent_ctl', 8], ['sps_setup', 8], ['sysadmin_sps_regroute', 8],
  ['sysadmin_mysql_user', 8], ['install_mysql_db', 8], ['mysql_sync_check', 8], ['rotatelogs', 8],
  ['getone', 8], ['setany', 8], ['getmany', 8], ['traprcv', 8],
  ['sipd.conf', 5], ['ps.conf', 5], ['critagt.cnf', 5], ['logagt.cnf', 5], ['eventagt.cnf', 5], ['snmpd.cnf', 5], ['smpop.cnf', 5],
];
