// What the SIP MIB reads from sipd. Everything is read at request time from the live
// objects (counters, configuration snapshot, location store), so an SNMP answer is never
// older than the request that asks.
import type { Config } from '../../config/loader.js';
import type { BoundSocket } from '../../proxy/identity.js';
import type { LocationStore } from '../../stores/location-store.js';
import type { SipResponse } from '../../sip/message.js';

/** The RFC 4780 figures sipd counts (src/server/counters.ts SipCounters provides them). */
export interface Rfc4780Counters {
  readonly inRequests: number;
  readonly outRequests: number;
  readonly inResponses: number;
  readonly outResponses: number;
  readonly totalTransactions: number;
  readonly methodIn: ReadonlyMap<string, number>;
  readonly methodOut: ReadonlyMap<string, number>;
  readonly retries: ReadonlyMap<string, { requests: number; finalResponses: number; nonFinalResponses: number }>;
  readonly unsupportedUris: number;
  readonly unsupportedMethods: number;
  readonly otherwiseDiscarded: number;
  readonly proxyReqFailures: number;
  readonly regAccepted: number;
  readonly regRejected: number;
  readonly authFailures: ReadonlyMap<string, number>;
  /** Responses by class (1xx…6xx), sent and received, retransmissions included. */
  readonly responsesSent: Readonly<Record<string, number>>;
  readonly responsesReceived: Readonly<Record<string, number>>;
  onResponse: ((dir: 'in' | 'out', method: string, status: number, res: SipResponse) => void) | undefined;
  /** A module's own figures, flat: the RADIUS client gives `host:port.sent` and so on. */
  figures(name: string): Record<string, number>;
}

/** RFC 4780 sipCommonCfgServiceOperStatus values. */
export const OperStatus = { unknown: 1, up: 2, down: 3, congested: 4, restarting: 5, quiescing: 6, testing: 7 } as const;
export type OperStatusValue = (typeof OperStatus)[keyof typeof OperStatus];

export interface SipMibSource {
  readonly counters: Rfc4780Counters;
  config(): Config;
  /** When this sipd process started (ms since the epoch): the counters' discontinuity. */
  readonly startedAt: number;
  operStatus(): OperStatusValue;
  /** Transactions waiting for a final response. */
  currentTransactions(): number;
  locations(): LocationStore | undefined;
  bound(): readonly BoundSocket[];
}

export interface SipMibState {
  /** Local time (ms) of the last change of the service status. */
  lastChange: number;
  /** sipCommonCfgServiceNotifEnable, as bit numbers. */
  notifEnable: Set<number>;
  /** The master's sysUpTime at a local time (TimeStamp objects). */
  upTimeAt(ms: number): number;
}
