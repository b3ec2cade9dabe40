// What the request path of one fixed agent shares (receive.ts builds it, get.ts, next.ts and
// set.ts use it): net-snmp's undocumented message and agent internals we call, the access
// check, and the response builder. The v1 exception-value rule in respond() is RFC 3584 §4.4;
// net-snmp sent v2 exception values in v1 responses.
import snmp from 'net-snmp';
import type { Agent, Mib, RawVarbind } from 'net-snmp';
import type { AccessPolicy, AccessResult, NetSnmpAgentOptions, RequestSecurity, SnmpCounters, ViewType } from './types.js';
import { oidToAddress } from './oid.js';

const { ObjectType, ErrorStatus } = snmp;

export interface DecodedMessage {
  version: number;
  community?: string;
  user?: { name: string; level: number };
  pdu: {
    type: number;
    id: number;
    varbinds: RawVarbind[];
    nonRepeaters?: number;
    maxRepetitions?: number;
    contextName?: string;
    getResponsePduForRequest(): ResponsePdu;
  };
  report?: boolean;
  original?: { createReportResponseMessage(engine: unknown, context: string, errorType: unknown): unknown };
  errorType?: unknown;
  hasAuthoritativeEngineID?(): boolean;
  isReportable?(): boolean;
  createReportResponseMessage?(engine: unknown, context: string, errorType: unknown): unknown;
  [SEC]?: RequestSecurity;
}
export interface ResponsePdu {
  varbinds: RawVarbind[];
  errorStatus?: number;
  errorIndex?: number;
}
export const SEC = Symbol('opensps.sec');
export interface MessageClass {
  createFromBuffer(buffer: Buffer): DecodedMessage;
}

export type AgentInternals = Agent & {
  onMsg(socket: unknown, buffer: Buffer, rinfo: { address: string; port: number }): void;
  request(socket: unknown, message: DecodedMessage, rinfo: unknown): void;
  sendResponse(socket: unknown, rinfo: unknown, message: DecodedMessage, pdu: ResponsePdu): void;
  engine: unknown;
  context: string;
  callback: (error: Error | null, data?: unknown) => void;
};

/** One fixed agent's request path state, handed to the answer functions. */
export interface Pipeline {
  raw: AgentInternals;
  mib: Mib;
  counters: SnmpCounters;
  log: NonNullable<NetSnmpAgentOptions['log']>;
  /** net-snmp's own SET machinery (test/commit, RowStatus). */
  librarySet(socket: unknown, message: DecodedMessage, rinfo: unknown): void;
  /** Messages whose response is handed back instead of sent (a SET split with subagents). */
  captured: WeakMap<object, (pdu: ResponsePdu) => void>;
}


// noSuchView (the access entry names no view, or an undefined one, for this operation) is
// answered like notInView: the objects are simply not accessible (noAccess for a SET,
// absent for reads), as Net-SNMP's snmpd does; only a missing group or access entry is an
// authorizationError for the whole PDU (RFC 3413 §3.2 step 4).
export function check(policy: AccessPolicy | undefined, sec: RequestSecurity, view: ViewType, oid: string): AccessResult {
  const r = policy ? policy.isAccessAllowed(sec, view, oid) : 'allowed';
  return r === 'noSuchView' ? 'notInView' : r;
}

/** RFC 3584 §4.4 / RFC 2576: a v1 response cannot carry exception values. */
export function respond(p: Pipeline, socket: unknown, rinfo: unknown, message: DecodedMessage, varbinds: RawVarbind[], errorStatus = 0, errorIndex = 0) {
  const response = message.pdu.getResponsePduForRequest();
  if (message.version === snmp.Version1 && errorStatus === 0) {
    const bad = varbinds.findIndex((v) => (v.type ?? 0) >= 128 || v.type === ObjectType.Counter64);
    if (bad >= 0) {
      errorStatus = ErrorStatus.NoSuchName;
      errorIndex = bad + 1;
      varbinds = message.pdu.varbinds.map((v) => ({ oid: v.oid, type: ObjectType.Null, value: null }));
    }
  }
  if (errorStatus !== 0) {
    // An error response echoes the request's varbinds (RFC 3416 §4.2.1).
    varbinds = message.pdu.varbinds.map((v) => ({ oid: v.oid, type: v.type ?? ObjectType.Null, value: v.value ?? null }));
  }
  response.varbinds = varbinds;
  response.errorStatus = errorStatus;
  response.errorIndex = errorIndex;
  p.raw.sendResponse(socket, rinfo, message, response);
}

export function addressOf(oid: string): number[] | undefined {
  try {
    return oidToAddress(oid);
  } catch {
    return undefined;
  }
}
