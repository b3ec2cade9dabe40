// Object identifiers of the SIP MIB sipd serves (mibs/SIP-COMMON-MIB, SIP-SERVER-MIB,
// NETWORK-SERVICES-MIB, OPENSPS-SIP-MIB), as arrays. Checked against the MIB files by name in
// test/integration/sip-mib.test.ts, so a wrong number here fails the suite.

const MIB2 = [1, 3, 6, 1, 2, 1];
const at = (base: number[], ...sub: number[]) => [...base, ...sub];

/** sipd is the one SIP entity of the host (docs/snmp-agent.md "SIP statistics over SNMP"). */
export const APPL_INDEX = 1;

export const SIP_COMMON = at(MIB2, 149);
export const SIP_SERVER = at(MIB2, 151);
/** NETWORK-SERVICES-MIB applTable (RFC 2788). */
export const APPL_TABLE = at(MIB2, 27, 1);
export const OPENSPS_SIP = [1, 3, 6, 1, 4, 1, 32473, 1, 3];

const common = (...sub: number[]) => at(SIP_COMMON, 1, ...sub);
const server = (...sub: number[]) => at(SIP_SERVER, 1, ...sub);

/** The entries (…Table.1) of every table served. */
export const ENTRY = {
  applEntry: at(APPL_TABLE, 1),
  sipCommonCfgEntry: common(1, 1, 1),
  sipCommonPortEntry: common(1, 2, 1),
  sipCommonOptionTagEntry: common(1, 3, 1),
  sipCommonMethodSupportedEntry: common(1, 4, 1),
  sipCommonCfgTimerEntry: common(2, 1, 1),
  sipCommonSummaryStatsEntry: common(3, 1, 1),
  sipCommonMethodStatsEntry: common(4, 1, 1),
  sipCommonStatusCodeEntry: common(5, 1, 1),
  sipCommonStatusCodeNotifEntry: common(5, 2, 1),
  sipCommonTransCurrentEntry: common(6, 1, 1),
  sipCommonStatsRetryEntry: common(7, 1, 1),
  sipCommonOtherStatsEntry: common(8, 1, 1),
  sipServerCfgEntry: server(1, 1, 1),
  sipServerProxyCfgEntry: server(3, 1, 1),
  sipServerProxyStatsEntry: server(4, 1, 1),
  sipServerRegCfgEntry: server(5, 1, 1),
  sipServerRegUserEntry: server(5, 2, 1),
  sipServerRegContactEntry: server(5, 3, 1),
  sipServerRegStatsEntry: server(6, 1, 1),
  spsSipApplEntry: at(OPENSPS_SIP, 1, 1, 1),
  spsSipStatusClassEntry: at(OPENSPS_SIP, 1, 2, 1),
  spsRadiusServerEntry: at(OPENSPS_SIP, 1, 3, 1),
  spsAcctEntry: at(OPENSPS_SIP, 1, 4, 1),
} as const;

/** accessible-for-notify objects of sipCommonNotifObjects (sent in notifications only). */
export const NOTIF_OBJECT = {
  sipCommonStatusCodeNotifTo: common(9, 1),
  sipCommonStatusCodeNotifFrom: common(9, 2),
  sipCommonStatusCodeNotifCallId: common(9, 3),
  sipCommonStatusCodeNotifCSeq: common(9, 4),
  sipCommonNotifApplIndex: common(9, 5),
  sipCommonNotifSequenceNumber: common(9, 6),
} as const;

export const NOTIFICATION = {
  sipCommonStatusCodeNotif: at(SIP_COMMON, 0, 1),
  sipCommonStatusCodeThreshExceededInNotif: at(SIP_COMMON, 0, 2),
  sipCommonStatusCodeThreshExceededOutNotif: at(SIP_COMMON, 0, 3),
  sipCommonServiceColdStart: at(SIP_COMMON, 0, 4),
  sipCommonServiceWarmStart: at(SIP_COMMON, 0, 5),
  sipCommonServiceStatusChanged: at(SIP_COMMON, 0, 6),
} as const;

/** The subtrees sipd registers with the master: the objects, not the notification OIDs. */
export const SUBTREES = [APPL_TABLE, common(), server(), at(OPENSPS_SIP, 1)];
