// What the AgentX master keeps per connection and per session (RFC 2741 §7.1): the session's
// byte order, default timeout and pending requests by packetID.
import type net from 'node:net';
import type { Pdu } from '../../common/agentx/pdu.js';
import type { PduFramer } from '../../common/agentx/pdu.js';

export interface Pending {
  resolve: (pdu: Pdu & { type: 18 }) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface Session {
  readonly id: number;
  readonly conn: Connection;
  readonly timeoutMs: number;
  readonly bigEndian: boolean;
  readonly descr: string;
  readonly oid: string;
  packetID: number;
  readonly pending: Map<number, Pending>;
  /** Requests in a row that got no answer in time (reset by every answer in time). */
  timeouts: number;
  /** Requests sent (GetBulk included): tests and logs count round trips with it. */
  requests: number;
  /** Its GetBulk answers proved unusable: walks use GetNext only. */
  getNextOnly?: boolean;
}

export interface Connection {
  readonly socket: net.Socket;
  readonly sessions: Set<number>;
  readonly framer: PduFramer;
}
