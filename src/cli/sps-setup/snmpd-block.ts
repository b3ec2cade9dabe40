// The block of conf/snmpd.cnf that sps_setup owns: the community, the SNMPv3 user and the
// trap sinks from its answers, rewritten in place on every run.
import { list, sourceRange } from './questions.js';
import type { Answers } from './questions.js';

const BLOCK_BEGIN = '# >>> sps_setup: the lines up to "<<< sps_setup" are rewritten by every run of sps_setup';
const BLOCK_END = '# <<< sps_setup';

/**
 * The block's entries use names of their own (spsSetup…), so they add to what the shipped
 * snmpd.cnf defines (the local read-only cspsAdmin, the 127.0.0.1 trap sink) instead of
 * clashing with it. The community reads only, and only from snmp_community_sources (an
 * snmpTargetAddrEntry per source, tag spsSetupManagers, no PARAMS: a source filter that
 * receives no notifications). The SNMPv3 user authenticates with HMAC-SHA-256, encrypts
 * with AES-128 and is its group's only way to write: the group's one access row is at
 * authPriv (RFC 3415 §4 matches no row for a request at a lower level).
 */
export function snmpdBlock(a: Answers): string[] {
  const out = [
    BLOCK_BEGIN,
    `snmpCommunityEntry spsSetup1 ${a.snmp_community} spsSetupSec localSnmpID - spsSetupManagers nonVolatile`,
  ];
  list(a.snmp_community_sources ?? '127.0.0.1').forEach((s, i) => {
    const r = sourceRange(s);
    if (r) out.push(`snmpTargetAddrEntry spsSetupManager${i + 1} snmpUDPDomain ${r.address}:0 100 3 spsSetupManagers - nonVolatile ${r.mask}:0`);
  });
  out.push(
    'vacmSecurityToGroupEntry snmpv1 spsSetupSec spsSetupGroup nonVolatile',
    'vacmSecurityToGroupEntry snmpv2c spsSetupSec spsSetupGroup nonVolatile',
    // A community travels in clear text: it reads; only the authenticated v3 user writes.
    'vacmAccessEntry spsSetupGroup - snmpv1 noAuthNoPriv exact spsSetupView - spsSetupView nonVolatile',
    'vacmAccessEntry spsSetupGroup - snmpv2c noAuthNoPriv exact spsSetupView - spsSetupView nonVolatile',
    'vacmViewTreeFamilyEntry spsSetupView internet - included nonVolatile',
  );
  if (a.snmp_v3_user) {
    out.push(
      `usmUserEntry localSnmpID ${a.snmp_v3_user} usmHMAC192SHA256AuthProtocol usmAesCfb128Protocol nonVolatile ${a.snmp_v3_auth_password} ${a.snmp_v3_priv_password}`,
      `vacmSecurityToGroupEntry usm ${a.snmp_v3_user} spsSetupV3Group nonVolatile`,
      'vacmAccessEntry spsSetupV3Group - usm authPriv exact spsSetupView spsSetupView spsSetupView nonVolatile',
    );
  }
  const sinks = list(a.trap_sink ?? '');
  sinks.forEach((s, i) => {
    const hostPort = s.includes(':') ? s : `${s}:162`;
    out.push(`snmpTargetAddrEntry spsSetupSink${i + 1} snmpUDPDomain ${hostPort} 100 3 Console spsSetupTrapParams nonVolatile 255.255.255.255:0`);
  });
  if (sinks.length) out.push('snmpTargetParamsEntry spsSetupTrapParams 1 snmpv2c spsSetupSec noAuthNoPriv nonVolatile');
  out.push(BLOCK_END);
  return out;
}

/** Put the block in place of the previous one, or at the end. */
export function placeBlock(lines: string[], block: readonly string[]): void {
  const b = lines.indexOf(BLOCK_BEGIN);
  const e = b >= 0 ? lines.indexOf(BLOCK_END, b) : -1;
  if (b >= 0 && e >= 0) {
    lines.splice(b, e - b + 1, ...block);
    return;
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length) lines.push('');
  lines.push(...block, '');
}
