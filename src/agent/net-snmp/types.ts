// The types our net-snmp wrapper speaks in: who is asking (RequestSecurity, AccessPolicy,
// implemented by ../vacm.ts), the SNMPv2-MIB snmp group counters the request path keeps, and
// the agent's options. No defect is worked around here.
import snmp from 'net-snmp';
import type { Agent, Mib, MibNode, MibRequest, RawProvider, RawVarbind } from 'net-snmp';

export const ObjectType = snmp.ObjectType;
export const ErrorStatus = snmp.ErrorStatus;
export const PduType = snmp.PduType;

export type SecurityModel = 'v1' | 'v2c' | 'usm';
export type SecurityLevelName = 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
export type ViewType = 'read' | 'write' | 'notify';
/** RFC 3415 isAccessAllowed results (noSuchContext is answered before we get here). */
export type AccessResult = 'allowed' | 'notInView' | 'noSuchView' | 'noAccessEntry' | 'noGroupName';

export interface RequestSecurity {
  model: SecurityModel;
  securityName: string;
  level: SecurityLevelName;
  contextName: string;
  address: string;
  port: number;
}

/** How the agent decides who may see what (implemented by vacm.ts + snmpd.cnf). */
export interface AccessPolicy {
  /** securityName for a community arriving from `address`, or undefined (unknown → dropped). */
  community(community: string, address: string): string | undefined;
  isAccessAllowed(sec: RequestSecurity, viewType: ViewType, oid: string): AccessResult;
}

/** SNMPv2-MIB snmp group counters this wrapper maintains. */
export interface SnmpCounters {
  snmpInPkts: number;
  snmpOutPkts: number;
  snmpInBadVersions: number;
  snmpInBadCommunityNames: number;
  snmpInBadCommunityUses: number;
  snmpInASNParseErrs: number;
  snmpSilentDrops: number;
  snmpProxyDrops: number;
  snmpInGetRequests: number;
  snmpInGetNexts: number;
  snmpInSetRequests: number;
  snmpInTotalReqVars: number;
  snmpInTotalSetVars: number;
  snmpOutGetResponses: number;
  snmpOutTraps: number;
}

export interface NetSnmpAgentOptions {
  address: string;
  port: number;
  /** Hex string or Buffer; without it net-snmp picks a random one (unstable across restarts). */
  engineID?: string | Buffer;
  /** Apply our fixes (default true). false = net-snmp's agent as shipped, for the regression tests. */
  fixes?: boolean;
  /** Without a policy every known community and user may read and write everything. */
  access?: AccessPolicy;
  /** Called for a community message with an unknown community (authenticationFailure trap). */
  onAuthFailure?: (address: string, community: string) => void;
  log?: (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;
}

export function newCounters(): SnmpCounters {
  return {
    snmpInPkts: 0, snmpOutPkts: 0, snmpInBadVersions: 0, snmpInBadCommunityNames: 0,
    snmpInBadCommunityUses: 0, snmpInASNParseErrs: 0, snmpSilentDrops: 0, snmpProxyDrops: 0,
    snmpInGetRequests: 0, snmpInGetNexts: 0, snmpInSetRequests: 0, snmpInTotalReqVars: 0,
    snmpInTotalSetVars: 0, snmpOutGetResponses: 0, snmpOutTraps: 0,
  };
}

export type { Agent, Mib, MibNode, MibRequest, RawProvider, RawVarbind };
