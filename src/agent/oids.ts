// Numeric OIDs the agent and its modules use, in one place. Taken from our MIB files in
// mibs/ (OPENSPS-SMI, CRITAPP-MIB, LOG-MIB) and the RFC modules they import. Module
// authors add object-level OIDs in their own files as `${OID.critAppProcEntry}.5` etc.
//
// OPENSPS-SMI hangs off enterprises.32473, the documentation PEN (RFC 5612) — a
// placeholder until a real PEN is registered (see mibs/README.md). Change OPENSPS here
// and in mibs/OPENSPS-SMI together.

const MIB2 = '1.3.6.1.2.1';
const OPENSPS = '1.3.6.1.4.1.32473';
const SNMP_MODULES = '1.3.6.1.6.3';

export const OID = {
  internet: '1.3.6.1',
  mib2: MIB2,

  // SNMPv2-MIB system group (RFC 3418)
  system: `${MIB2}.1`,
  sysDescr: `${MIB2}.1.1`,
  sysObjectID: `${MIB2}.1.2`,
  sysUpTime: `${MIB2}.1.3`,
  sysContact: `${MIB2}.1.4`,
  sysName: `${MIB2}.1.5`,
  sysLocation: `${MIB2}.1.6`,
  sysServices: `${MIB2}.1.7`,
  sysORLastChange: `${MIB2}.1.8`,
  sysORTable: `${MIB2}.1.9`,
  sysOREntry: `${MIB2}.1.9.1`,

  // IF-MIB (RFC 2863)
  interfaces: `${MIB2}.2`,
  ifNumber: `${MIB2}.2.1`,
  ifTable: `${MIB2}.2.2`,
  ifEntry: `${MIB2}.2.2.1`,
  ifMIB: `${MIB2}.31`,

  // SNMPv2-MIB snmp group
  snmp: `${MIB2}.11`,

  // HOST-RESOURCES-MIB (RFC 2790)
  host: `${MIB2}.25`,
  hrSystem: `${MIB2}.25.1`,
  hrStorage: `${MIB2}.25.2`,
  hrDevice: `${MIB2}.25.3`,
  hrSWRun: `${MIB2}.25.4`,
  hrSWRunPerf: `${MIB2}.25.5`,
  hrSWInstalled: `${MIB2}.25.6`,
  hrMIBAdminInfo: `${MIB2}.25.7`,
  hrProcessorLoad: `${MIB2}.25.3.3.1.2`,

  // SYSAPPL-MIB (RFC 2287)
  sysApplMIB: `${MIB2}.54`,

  // DISMAN-SCRIPT-MIB (RFC 3165) and DISMAN-EVENT-MIB (RFC 2981)
  scriptMIB: `${MIB2}.64`,
  dismanEventMIB: `${MIB2}.88`,

  // SNMPv2-MIB notifications and trap plumbing (RFC 3418, RFC 3584)
  snmpTrapOID: `${SNMP_MODULES}.1.1.4.1`,
  snmpTrapEnterprise: `${SNMP_MODULES}.1.1.4.3`,
  snmpTrapAddress: `${SNMP_MODULES}.18.1.3`,
  snmpTrapCommunity: `${SNMP_MODULES}.18.1.4`,
  snmpTraps: `${SNMP_MODULES}.1.1.5`,
  coldStart: `${SNMP_MODULES}.1.1.5.1`,
  warmStart: `${SNMP_MODULES}.1.1.5.2`,
  linkDown: `${SNMP_MODULES}.1.1.5.3`,
  linkUp: `${SNMP_MODULES}.1.1.5.4`,
  authenticationFailure: `${SNMP_MODULES}.1.1.5.5`,

  // OPENSPS-SMI
  openSps: OPENSPS,
  openSpsMibs: `${OPENSPS}.1`,
  /** sysObjectID of ciagent. OPENSPS-SMI does not define a products arc yet: .2 is reserved
   *  for it here (openSpsProducts), .2.1 = the ciagent master agent. */
  openSpsProducts: `${OPENSPS}.2`,
  openSpsCiagent: `${OPENSPS}.2.1`,

  // CRITAPP-MIB (mibs/CRITAPP-MIB)
  critAppMIB: `${OPENSPS}.1.1`,
  critAppNotifications: `${OPENSPS}.1.1.0`,
  critAppObjects: `${OPENSPS}.1.1.1`,
  critAppProcTable: `${OPENSPS}.1.1.1.1`,
  critAppProcEntry: `${OPENSPS}.1.1.1.1.1`,
  critAppTrapWhenNotAllRunning: `${OPENSPS}.1.1.1.2`,
  critAppTrapWhenAllRunning: `${OPENSPS}.1.1.1.3`,
  critAppNumProcs: `${OPENSPS}.1.1.1.4`,
  critAppNumRunning: `${OPENSPS}.1.1.1.5`,
  critAppProcStarted: `${OPENSPS}.1.1.0.1`,
  critAppProcExited: `${OPENSPS}.1.1.0.2`,
  critAppAllRunning: `${OPENSPS}.1.1.0.3`,
  critAppNotAllRunning: `${OPENSPS}.1.1.0.4`,

  // LOG-MIB (mibs/LOG-MIB)
  logMIB: `${OPENSPS}.1.2`,
  siLogNotifications: `${OPENSPS}.1.2.0`,
  siLogObjects: `${OPENSPS}.1.2.1`,
  siLogGlobalPollInterval: `${OPENSPS}.1.2.1.1`,
  siLogTable: `${OPENSPS}.1.2.1.2`,
  siLogEntry: `${OPENSPS}.1.2.1.2.1`,
  siLogMatchFound: `${OPENSPS}.1.2.0.1`,
  siLogMaxSizeReached: `${OPENSPS}.1.2.0.2`,

  // OPENSPS-NOTIFY-MIB (mibs/OPENSPS-NOTIFY-MIB)
  openSpsNotifyMIB: `${OPENSPS}.1.4`,
  openSpsNotifyObjects: `${OPENSPS}.1.4.1`,

  // OPENSPS-FARM-MIB (mibs/OPENSPS-FARM-MIB)
  openSpsFarmMIB: `${OPENSPS}.1.5`,
  openSpsFarmObjects: `${OPENSPS}.1.5.1`,
  openSpsFarmTableEntry: `${OPENSPS}.1.5.1.10.1`,
  openSpsFarmCheckOutcomeChange: `${OPENSPS}.1.5.0.1`,

  // snmpModules used by the agent itself
  snmpFrameworkMIB: `${SNMP_MODULES}.10`,
  snmpEngineID: `${SNMP_MODULES}.10.2.1.1`,
  vacmMIB: `${SNMP_MODULES}.16`,
  usmMIB: `${SNMP_MODULES}.15`,
} as const;

export type OidName = keyof typeof OID;
