// Shared by the routing tests: routes with defaults, an in-memory RouteStore over the real
// matcher, a seeded random source, and a request context for a Request-URI.
import assert from 'node:assert/strict';
import type { Config } from '../../../src/config/loader.js';
import { RouteMatcher } from '../../../src/stores/embedded/route-matcher.js';
import type { Route, RouteStore, RouteType } from '../../../src/stores/route-store.js';
import { checkRoute } from '../../../src/stores/route-store.js';
import type { Target } from '../../../src/proxy/stages.js';
import type { RequestContext } from '../../../src/proxy/stages.js';
import { parseMessage } from '../../../src/sip/message.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { parseUri } from '../../../src/sip/uri.js';

/** A number route to gw.example.com with the GUI's defaults; `over` changes any field. */
export function route(pattern: string, over: Partial<Route> = {}): Route {
  const r: Route = {
    pattern,
    type: 'phone',
    nextHop: 'gw.example.com',
    port: 5060,
    transport: 'UDP',
    priority: 1,
    weight: 1,
    techPrefix: '',
    techPrefixAction: 'include',
    allowLessSpecific: true,
    block: false,
    inService: true,
    label: '',
    ...over,
  };
  const c = checkRoute(r);
  assert.ok(c.ok, c.ok ? '' : c.reason);
  return r;
}

/** The RouteStore contract in memory (no files): what the stage needs. */
export class MemoryRouteStore implements RouteStore {
  readonly table = new RouteMatcher();
  constructor(routes: readonly Route[] = []) {
    for (const r of routes) this.table.put(r);
  }
  match(type: RouteType, key: string) {
    return this.table.match(type, key);
  }
  all() {
    return this.table.all();
  }
  size() {
    return this.table.size();
  }
  async put(routes: readonly Route[]) {
    for (const r of routes) this.table.put(r);
  }
  async remove(keys: readonly string[]) {
    return keys.filter((k) => this.table.remove(k)).length;
  }
  async replaceAll(routes: readonly Route[]) {
    this.table.clear();
    await this.put(routes);
  }
  async close() {}
}


export { configOf } from '../../helpers/values.js';
export { seeded } from '../../helpers/seeded.js';

/** An INVITE to `ruri`; expandedUser as number expansion would leave it (here: unchanged unless given). */
export function ctxFor(ruri: string, config: Config, expandedUser?: string): RequestContext {
  const text = [
    `INVITE ${ruri} SIP/2.0`,
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKroute',
    'From: <sip:alice@example.com>;tag=a1',
    `To: <${ruri}>`,
    'Call-ID: route-test@10.0.0.1',
    'CSeq: 1 INVITE',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const m = parseMessage(Buffer.from(text));
  assert.ok(m.ok, m.ok ? '' : m.reason);
  const u = parseUri(ruri);
  assert.ok(u.ok);
  const user = expandedUser ?? (u.uri.scheme === 'tel' ? u.uri.number : u.uri.user);
  const source = { transport: 'UDP' as const, remoteAddress: '10.0.0.1', remotePort: 5060, localAddress: '192.0.2.9', localPort: 5060 };
  return { req: m.message as SipRequest, source, config, trustedSource: false, ...(user !== undefined && { expandedUser: user }) };
}

/** The Request-URI itself as the core hands it to routing when nothing translated it. */
export function ruriTarget(ruri: string): Target {
  const u = parseUri(ruri);
  assert.ok(u.ok);
  return { uri: u.uri, requestUri: undefined };
}

/** A contact from a translation module (registry, ENUM ...). */
export function contactTarget(contact: string): Target {
  const u = parseUri(contact);
  assert.ok(u.ok);
  return { uri: u.uri, requestUri: contact };
}
