// Answers sipd gives itself, through one sending context per request: a server
// transaction, or a bare reply path when stateless (the To tag then stays stable).
import { buildResponse } from '../sip/message.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import type { Inbound } from '../transport/types.js';
import type { Refusal } from './sanity.js';

/** Methods sipd handles; advertised in Allow. */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'INFO', 'PRACK', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE'] as const;

const ALLOWED: ReadonlySet<string> = new Set(ALLOWED_METHODS);

/** True for a method sipd handles (listed in Allow). */
export function isAllowedMethod(method: string): boolean {
  return ALLOWED.has(method);
}

/** Option tags for Supported: none (an empty Supported is valid, RFC 3261 §20.37). */
export const SUPPORTED_OPTION_TAGS: readonly string[] = [];

export interface Answerer {
  readonly request: SipRequest;
  readonly from: Inbound;
  send(res: SipResponse): void;
  /** The To tag to use for answers (stable for stateless answers). */
  readonly tag: string | undefined;
}

export function answer(a: Answerer, r: Refusal & { body?: Buffer }, serverToken: string): void {
  const headers: (readonly [string, string])[] = [...(r.headers ?? []), ['Server', serverToken]];
  a.send(buildResponse(a.request, r.status, r.reason, { toTag: a.tag, headers, body: r.body }));
}

/** OPTIONS to the proxy itself: what it allows, accepts and supports. */
export function answerOptions(a: Answerer, serverToken: string): undefined {
  answer(
    a,
    {
      status: 200,
      headers: [
        ['Allow', ALLOWED_METHODS.join(', ')],
        ['Accept', 'application/sdp'],
        ['Supported', SUPPORTED_OPTION_TAGS.join(', ')],
      ],
    },
    serverToken,
  );
  return undefined;
}
