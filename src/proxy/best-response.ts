// Choosing the one final response a forking proxy sends upstream when no branch
// answered 2xx (RFC 3261 §16.7 step 6), and merging what must be merged.
import type { SipResponse } from '../sip/message.js';

/**
 * Rank of a final response: a 6xx beats everything; otherwise the lowest class wins
 * (3xx before 4xx before 5xx), with 503 after every other 5xx since it speaks of the
 * downstream server rather than the request. Lower is better.
 */
function rank(status: number): number {
  if (status >= 600) return 0;
  if (status === 503) return 599;
  return status;
}

export interface Choice {
  readonly response: SipResponse;
  /** Extra authentication challenges to add (§16.7 step 7: every 401/407 challenge is collected). */
  readonly challenges: readonly (readonly [string, string])[];
}

/** The best of the final responses received (none of them 2xx). */
export function chooseBest(finals: readonly SipResponse[]): Choice | undefined {
  if (!finals.length) return undefined;
  let best = finals[0];
  for (const r of finals) if (rank(r.status) < rank(best.status)) best = r;
  const challenges: [string, string][] = [];
  if (best.status === 401 || best.status === 407) {
    for (const r of finals) {
      if (r === best || (r.status !== 401 && r.status !== 407)) continue;
      for (const v of r.headers.fields('WWW-Authenticate')) challenges.push(['WWW-Authenticate', v]);
      for (const v of r.headers.fields('Proxy-Authenticate')) challenges.push(['Proxy-Authenticate', v]);
    }
  }
  return { response: best, challenges };
}
