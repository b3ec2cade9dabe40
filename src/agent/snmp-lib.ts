// Our wrapper around net-snmp's agent: the request path with the library's defects fixed
// (numbers refer to /work/shared/reference/library-findings.md, net-snmp section) and the
// hooks VACM needs (the library hands its handlers no security name or context).
//
// With `fixes: false` the agent is net-snmp's own, untouched: the regression tests build
// one of each to prove every fix is needed and works.
//
// What the fixed agent does itself, per incoming datagram (see onMessage):
//   decode (net-snmp's Listener.processIncoming: BER, USM auth/priv, reports) →
//   community → securityName (AccessPolicy) or drop (snmpInBadCommunityNames) →
//   GET / GETNEXT / GETBULK answered here from the MIB tree (fixes 1, 2, 6; VACM read view) →
//   SET checked against the VACM write view, then net-snmp's own SET machinery
//   (test/commit, RowStatus) with a guard so a throwing handler can't kill the process (4).
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

// ---- subtrees served by other processes (AgentX subagents, see agentx/master.ts) -------------

/** A run of the OID space, [start, end), that another process answers for. */
export interface ExternalRegion {
  readonly start: number[];
  readonly end: number[];
}

/** An error status from another process, for the varbind at `index` (0-based, in the call's list). */
export class ExternalError extends Error {
  constructor(
    readonly status: number,
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ExternalSet {
  /** Each step resolves undefined when every peer agreed, else the error and its item index. */
  test(): Promise<{ status: number; index: number } | undefined>;
  commit(): Promise<{ status: number; index: number } | undefined>;
  undo(): Promise<{ status: number; index: number } | undefined>;
  cleanup(): void;
}

/** The delegated regions at one moment (one SNMP request uses one view). */
export interface ExternalView {
  /** The region containing `address`, if another process owns it. */
  owner(address: number[]): ExternalRegion | undefined;
  /** The first region starting after `address`. */
  following(address: number[]): ExternalRegion | undefined;
  /** GET of each item; rejects with ExternalError (index into items) on timeouts and errors. */
  get(items: Array<{ region: ExternalRegion; oid: string }>): Promise<RawVarbind[]>;
  /** The first instance in the region after `from` (at `from` too when include); undefined: none. */
  next(region: ExternalRegion, from: number[], include: boolean): Promise<RawVarbind | undefined>;
  /**
   * Up to `max` consecutive instances after `from` (at `from` too when include) in one exchange
   * (agentx-GetBulk-PDU, RFC 2741 §6.2.7), from `region` and the regions right after it that the
   * same peer owns, up to `end`; `complete` when nothing lies between the last one and `end`.
   * Optional: without it a GETBULK costs one next() per instance.
   */
  bulk?(region: ExternalRegion, from: number[], include: boolean, max: number): Promise<{ varbinds: RawVarbind[]; complete: boolean; end: number[] }>;
  set(items: Array<{ region: ExternalRegion; vb: RawVarbind }>): ExternalSet;
}

export interface ExternalTree {
  /** The current view, given our own provider subtrees (more specific ones win); undefined when
   *  nothing is delegated, so requests take the plain local path. */
  view(localSubtrees: () => number[][]): ExternalView | undefined;
}

/** The OID of every provider (scalar object or table) registered in our own tree. */
export function localSubtrees(mib: Mib): number[][] {
  const out: number[][] = [];
  for (const p of Object.values(mib.providers)) {
    try {
      out.push(oidToAddress(p.oid));
    } catch {
      // a provider without a numeric OID cannot collide with a subagent's subtree
    }
  }
  return out;
}

export interface NetSnmpAgent {
  readonly raw: Agent;
  readonly mib: Mib;
  readonly counters: SnmpCounters;
  readonly fixes: boolean;
  /** Resolves once the UDP socket is bound (rejects on EADDRINUSE etc.). */
  listening: Promise<{ address: string; port: number }>;
  setAccessPolicy(policy: AccessPolicy | undefined): void;
  /** Subtrees answered by other processes (AgentX master); undefined: none. Fixed agent only. */
  setExternalTree(tree: ExternalTree | undefined): void;
  close(): Promise<void>;
}

// GETBULK answers are bounded so one request cannot build an unbounded datagram; beyond
// these the response carries fewer repetitions (RFC 3416 §4.2.3 allows that).
const MAX_BULK_VARBINDS = 2000;
const MAX_RESPONSE_BYTES = 60000;

const RowStatusCreate = new Set([snmp.RowStatus.createAndGo, snmp.RowStatus.createAndWait]);

export function newCounters(): SnmpCounters {
  return {
    snmpInPkts: 0, snmpOutPkts: 0, snmpInBadVersions: 0, snmpInBadCommunityNames: 0,
    snmpInBadCommunityUses: 0, snmpInASNParseErrs: 0, snmpSilentDrops: 0, snmpProxyDrops: 0,
    snmpInGetRequests: 0, snmpInGetNexts: 0, snmpInSetRequests: 0, snmpInTotalReqVars: 0,
    snmpInTotalSetVars: 0, snmpOutGetResponses: 0, snmpOutTraps: 0,
  };
}

/** Per-provider hooks the context layer attaches (live values for reads). */
export interface ProviderHooks {
  /** Live value of one instance; `node` is the instance node (value = stored value). */
  read?: (node: MibNode, provider: RawProvider) => unknown;
}
const HOOKS = Symbol('opensps.hooks');
export function setProviderHooks(provider: RawProvider, hooks: ProviderHooks): void {
  Object.defineProperty(provider, HOOKS, { value: hooks, enumerable: false, configurable: true, writable: true });
}
function providerHooks(provider: RawProvider | undefined): ProviderHooks | undefined {
  return provider ? (provider as unknown as Record<symbol, ProviderHooks | undefined>)[HOOKS] : undefined;
}

export function oidToAddress(oid: string): number[] {
  // On every varbind and every VACM check of a walk: one pass over the characters, no
  // split/regex (they were the largest cost of a bulk walk in a CPU profile).
  const out: number[] = [];
  let i = oid.charCodeAt(0) === 46 ? 1 : 0; // a leading '.'
  if (i >= oid.length) throw new Error(`not a numeric OID: ${oid}`);
  let n = 0;
  let digits = 0;
  for (; i <= oid.length; i++) {
    const c = i < oid.length ? oid.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
      continue;
    }
    if (c !== 46 || digits === 0) throw new Error(`not a numeric OID: ${oid}`);
    if (n > 0xffffffff) throw new Error(`OID sub-identifier too large in ${oid}`);
    out.push(n);
    n = 0;
    digits = 0;
  }
  return out;
}

export function compareOids(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

// ---- Defect 6: sorted child keys cached per node ------------------------------------------
// net-snmp's getNextInstanceNode sorts a node's child keys on every step, so a walk of an
// N-row table costs O(N² log N). We keep each node's sorted keys, rebuilt only after the
// tree's shape changed (a generation counter bumped by every method that adds or removes
// nodes), and find the next instance with a binary search.
const GEN = Symbol('opensps.gen');
const KEYS = Symbol('opensps.keys');
type CachedNode = MibNode & { [KEYS]?: { gen: number; keys: number[] } };
type GenMib = Mib & { [GEN]: number };

export function installTreeCache(mib: Mib): void {
  const m = mib as GenMib;
  if (m[GEN] !== undefined) return;
  m[GEN] = 0;
  const addNodes = mib.addNodesForAddress.bind(mib);
  mib.addNodesForAddress = (address: number[]) => {
    // Only a node that does not exist yet changes the shape.
    if (!mib.lookup(address)) m[GEN]++;
    return addNodes(address);
  };
  const del = mib.deleteTableRow.bind(mib);
  mib.deleteTableRow = (table: string, rowIndex: unknown[]) => {
    m[GEN]++;
    return del(table, rowIndex);
  };
  const unreg = mib.unregisterProvider.bind(mib);
  mib.unregisterProvider = (name: string) => {
    m[GEN]++;
    unreg(name);
  };
}

function sortedKeys(mib: Mib, node: MibNode): number[] {
  const gen = (mib as GenMib)[GEN] ?? -1;
  const n = node as CachedNode;
  const c = n[KEYS];
  if (c && c.gen === gen && gen >= 0) return c.keys;
  // Leaves are cached too (as []): a walk visits each of them once per step otherwise.
  const keys = Object.keys(node.children).map(Number);
  if (keys.length > 1) keys.sort((a, b) => a - b);
  n[KEYS] = { gen, keys };
  return keys;
}

function hasChildren(node: MibNode): boolean {
  for (const _ in node.children) return true;
  return false;
}

function isInstance(node: MibNode): boolean {
  return node.value !== undefined && node.value !== null && !node.provider && !hasChildren(node);
}

function firstInstance(mib: Mib, node: MibNode): MibNode | null {
  const keys = sortedKeys(mib, node);
  if (keys.length === 0) return isInstance(node) ? node : null;
  for (const k of keys) {
    const r = firstInstance(mib, node.children[k]);
    if (r) return r;
  }
  return null;
}

/** First index in sorted `keys` whose value is > k. */
function upperBound(keys: number[], k: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function nextUnder(mib: Mib, node: MibNode, addr: number[], depth: number): MibNode | null {
  const keys = sortedKeys(mib, node);
  if (depth === addr.length) {
    // `node` is exactly the start OID: the next instance is the first one below it.
    for (const k of keys) {
      const r = firstInstance(mib, node.children[k]);
      if (r) return r;
    }
    return null;
  }
  const k = addr[depth];
  const child = node.children[k];
  if (child) {
    const r = nextUnder(mib, child, addr, depth + 1);
    if (r) return r;
  }
  for (let i = upperBound(keys, k); i < keys.length; i++) {
    const r = firstInstance(mib, node.children[keys[i]]);
    if (r) return r;
  }
  return null;
}

/** The first instance node whose OID is lexicographically greater than `address`. */
export function nextInstance(mib: Mib, address: number[]): MibNode | null {
  return nextUnder(mib, mib.root, address, 0);
}

/**
 * The first instance after `node` (a node of this tree): the next sibling subtree holding an
 * instance, else the parent's, and so on up. A walk step within a table column is one binary
 * search in the column's cached sorted keys, without descending from the root again.
 */
export function nextInstanceAfterNode(mib: Mib, node: MibNode): MibNode | null {
  let child = node;
  for (let parent = node.parent; parent; child = parent, parent = parent.parent) {
    const keys = sortedKeys(mib, parent);
    const k = child.address[child.address.length - 1];
    for (let i = upperBound(keys, k); i < keys.length; i++) {
      const r = firstInstance(mib, parent.children[keys[i]]);
      if (r) return r;
    }
  }
  return null;
}

// ---- Defect 3 (second half): the RowStatus value stored after a create ----------------------
// net-snmp answers createAndGo/createAndWait by storing the requested value itself (4/5), so
// the new row reads back as createAndGo. RFC 2579: the row is then active(1) or
// notInService(2). Every table provider with a RowStatus column gets a handler wrapper that
// stores the resulting state at commit.
function installRowStatusCommit(mib: Mib): void {
  const register = mib.registerProvider.bind(mib);
  mib.registerProvider = (provider: RawProvider) => {
    const rowStatus = provider.tableColumns?.find((c) => c.rowStatus)?.number;
    if (rowStatus !== undefined) {
      const inner = provider.handler;
      provider.handler = (req: MibRequest) => {
        if (req.operation === PduType.SetRequest && !req.testSet && req.instanceNode?.getTableColumnFromInstanceNode() === rowStatus) {
          if (req.setValue === snmp.RowStatus.createAndGo) req.setValue = snmp.RowStatus.active;
          else if (req.setValue === snmp.RowStatus.createAndWait) req.setValue = snmp.RowStatus.notInService;
        }
        if (inner) inner(req);
        else req.done();
      };
    }
    register(provider);
  };
}

// ---- values ---------------------------------------------------------------------------------

/** Read an instance's current value, applying the provider's live hook. */
export function readInstance(mib: Mib, node: MibNode): { type: number; value: unknown } | undefined {
  const providerNode = node.getAncestorProvider();
  const provider = providerNode?.provider;
  if (!provider) return undefined;
  const hook = providerHooks(provider)?.read;
  let value = node.value;
  if (hook) {
    try {
      const live = hook(node, provider);
      if (live !== undefined) value = live;
    } catch {
      // A failing module hook answers the stored value rather than failing the request.
    }
  }
  if (value === undefined || value === null) return undefined;
  return { type: node.valueType ?? ObjectType.Null, value };
}

function maxAccessOf(provider: RawProvider, node: MibNode): number {
  if (provider.type === snmp.MibProviderType.Scalar) return provider.maxAccess ?? 0;
  const column = node.getTableColumnFromInstanceNode();
  const def = provider.tableColumns?.find((c) => c.number === column);
  return def?.maxAccess ?? 0;
}

function readable(provider: RawProvider, node: MibNode): boolean {
  return maxAccessOf(provider, node) >= snmp.MaxAccess['read-only'];
}

// ---- the agent ------------------------------------------------------------------------------

interface DecodedMessage {
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
interface ResponsePdu {
  varbinds: RawVarbind[];
  errorStatus?: number;
  errorIndex?: number;
}
const SEC = Symbol('opensps.sec');
interface MessageClass {
  createFromBuffer(buffer: Buffer): DecodedMessage;
}

type AgentInternals = Agent & {
  onMsg(socket: unknown, buffer: Buffer, rinfo: { address: string; port: number }): void;
  request(socket: unknown, message: DecodedMessage, rinfo: unknown): void;
  sendResponse(socket: unknown, rinfo: unknown, message: DecodedMessage, pdu: ResponsePdu): void;
  engine: unknown;
  context: string;
  callback: (error: Error | null, data?: unknown) => void;
};

export function createNetSnmpAgent(options: NetSnmpAgentOptions): NetSnmpAgent {
  const fixes = options.fixes !== false;
  const counters = newCounters();
  const log = options.log ?? (() => undefined);
  let policy = options.access;
  let external: ExternalTree | undefined;
  const agentOptions = {
    port: options.port,
    address: options.address,
    engineID: options.engineID,
    accessControlModelType: snmp.AccessControlModelType.None,
  };
  const errors: Error[] = [];
  const raw = snmp.createAgent(agentOptions, (error) => {
    if (error) {
      errors.push(error);
      log('debug', `net-snmp: ${error.message}`);
    }
  }) as AgentInternals;
  const mib = raw.getMib();
  const listening = waitListening(raw);

  if (fixes) {
    installTreeCache(mib);
    installRowStatusCommit(mib);
    installFixedPipeline(raw, mib, counters, () => policy, () => external, options, log);
  }

  return {
    raw,
    mib,
    counters,
    fixes,
    listening,
    setAccessPolicy(p) {
      policy = p;
    },
    setExternalTree(t) {
      external = t;
    },
    close() {
      return new Promise<void>((resolve) => {
        const sockets = Object.values(raw.listener.sockets ?? {});
        let left = sockets.length;
        if (left === 0) return resolve();
        for (const s of sockets) {
          try {
            s.close(() => {
              if (--left === 0) resolve();
            });
          } catch {
            if (--left === 0) resolve();
          }
        }
      });
    },
  };
}

function waitListening(raw: Agent): Promise<{ address: string; port: number }> {
  const sockets = Object.values(raw.listener.sockets ?? {});
  return Promise.all(
    sockets.map(
      (s) =>
        new Promise<{ address: string; port: number }>((resolve, reject) => {
          const onError = (e: Error) => reject(e);
          s.once('error', onError);
          s.once('listening', () => {
            s.off('error', onError);
            const a = s.address();
            resolve({ address: a.address, port: a.port });
          });
        }),
    ),
  ).then((all) => all[0]);
}

function installFixedPipeline(
  raw: AgentInternals,
  mib: Mib,
  counters: SnmpCounters,
  getPolicy: () => AccessPolicy | undefined,
  getExternal: () => ExternalTree | undefined,
  options: NetSnmpAgentOptions,
  log: NonNullable<NetSnmpAgentOptions['log']>,
): void {
  const ListenerClass = raw.listener.constructor as unknown as {
    processIncoming(buffer: Buffer, authorizer: unknown, cb: (e: Error | null) => void): DecodedMessage | undefined;
  };
  const librarySend = raw.listener.send.bind(raw.listener);
  raw.listener.send = (message, rinfo, socket) => {
    counters.snmpOutPkts++;
    try {
      librarySend(message, rinfo, socket);
    } catch (e) {
      log('warn', `cannot encode a response: ${(e as Error).message}`);
    }
  };
  const librarySendResponse = raw.sendResponse.bind(raw);
  // A SET mixing our objects with a subagent's runs the library's SET on a copy of the message
  // holding only our varbinds; its response is caught here instead of being sent.
  const captured = new WeakMap<object, (pdu: ResponsePdu) => void>();
  raw.sendResponse = (socket, rinfo, message, pdu) => {
    const capture = captured.get(message);
    if (capture) {
      captured.delete(message);
      capture(pdu);
      return;
    }
    counters.snmpOutGetResponses++;
    // badValue/readOnly exist only in SNMPv1 (RFC 3416 §4.2.5); should a library path still
    // produce one for a v2c/v3 request, answer the SNMPv2 equivalent.
    if (message.version !== snmp.Version1 && pdu.errorStatus === ErrorStatus.BadValue) pdu.errorStatus = ErrorStatus.WrongValue;
    if (message.version !== snmp.Version1 && pdu.errorStatus === ErrorStatus.ReadOnly) pdu.errorStatus = ErrorStatus.NotWritable;
    librarySendResponse(socket, rinfo, message, pdu);
  };
  const librarySet = raw.request.bind(raw);

  // The library's listener calls agent.onMsg with the socket bound: replacing the method on
  // the instance is enough (sockets bind `me.callback` = the original; rebind them).
  const onMessage = (socket: unknown, buffer: Buffer, rinfo: { address: string; port: number }) => {
    counters.snmpInPkts++;
    try {
      handleMessage(socket, buffer, rinfo);
    } catch (e) {
      // Defect 4 (remote crash): whatever a handler throws stays inside this datagram.
      log('error', `request from ${rinfo.address}:${rinfo.port} failed: ${(e as Error).stack ?? e}`);
    }
  };
  for (const s of Object.values(raw.listener.sockets ?? {})) {
    s.removeAllListeners('message');
    s.on('message', (buf: Buffer, rinfo: { address: string; port: number }) => onMessage(s, buf, rinfo));
  }
  raw.onMsg = onMessage;

  // net-snmp does not export its Message class; we learn it from the first decoded message.
  let messageClass: MessageClass | undefined;

  function handleMessage(socket: unknown, buffer: Buffer, rinfo: { address: string; port: number }) {
    let failure: Error | undefined;
    let message: DecodedMessage | undefined;
    const authorizer = raw.getAuthorizer();
    try {
      message = ListenerClass.processIncoming(buffer, authorizer, (e) => {
        failure = e ?? undefined;
      });
    } catch {
      counters.snmpInASNParseErrs++;
      return;
    }
    if (!message) {
      if (failure && /digest|decrypt/i.test(failure.message) && messageClass) {
        // RFC 3414 §3.2 steps 6/8: a reportable request that fails authentication or
        // decryption gets a usmStatsWrongDigests / usmStatsDecryptionErrors report (the
        // library just drops it, so the manager only sees a timeout).
        try {
          const m = messageClass.createFromBuffer(buffer);
          if (m.isReportable?.()) {
            const report = m.createReportResponseMessage?.(raw.engine, raw.context, /digest/i.test(failure.message) ? '5' : '6');
            raw.listener.send(report, rinfo, socket);
          }
        } catch {
          // not even decodable a second time: drop
        }
        counters.snmpSilentDrops++;
        return;
      }
      if (failure && /community/i.test(failure.message)) {
        counters.snmpInBadCommunityNames++;
        options.onAuthFailure?.(rinfo.address, '');
      } else {
        counters.snmpSilentDrops++;
      }
      return;
    }
    if (!message.report) messageClass ??= message.constructor as unknown as MessageClass;
    if (message.report && message.original) {
      const report = message.original.createReportResponseMessage(raw.engine, raw.context, message.errorType);
      raw.listener.send(report, rinfo, socket);
      return;
    }
    const pdu = message.pdu;
    if (message.version === snmp.Version3 && pdu.type === PduType.GetRequest && message.hasAuthoritativeEngineID && !message.hasAuthoritativeEngineID() && message.isReportable?.()) {
      // SNMPv3 engine discovery (RFC 3414 §4).
      const report = message.createReportResponseMessage?.(raw.engine, raw.context, '4');
      raw.listener.send(report, rinfo, socket);
      return;
    }

    // Who is asking: community → securityName through the policy (snmpCommunityEntry).
    const policy = getPolicy();
    let sec: RequestSecurity;
    if (message.version === snmp.Version3) {
      const level = message.user?.level ?? 1;
      sec = {
        model: 'usm',
        securityName: message.user?.name ?? '',
        level: level === 3 ? 'authPriv' : level === 2 ? 'authNoPriv' : 'noAuthNoPriv',
        contextName: pdu.contextName ?? '',
        address: rinfo.address,
        port: rinfo.port,
      };
    } else {
      const community = message.community ?? '';
      const name = policy ? policy.community(community, rinfo.address) : community;
      if (name === undefined) {
        counters.snmpInBadCommunityNames++;
        options.onAuthFailure?.(rinfo.address, community);
        return;
      }
      sec = {
        model: message.version === snmp.Version1 ? 'v1' : 'v2c',
        securityName: name,
        level: 'noAuthNoPriv',
        contextName: '',
        address: rinfo.address,
        port: rinfo.port,
      };
    }
    message[SEC] = sec;
    if (sec.contextName !== '') {
      // Only the default context exists (no proxy forwarding): RFC 3413 noSuchContext.
      counters.snmpSilentDrops++;
      return;
    }

    counters.snmpInTotalReqVars += pdu.type === PduType.SetRequest ? 0 : pdu.varbinds.length;
    // With subagents attached, answers may wait for them: the handlers return a promise.
    const view = getExternal()?.view(() => localSubtrees(mib));
    const settle = (p: Promise<void>) =>
      p.catch((e) => {
        log('error', `request from ${rinfo.address}:${rinfo.port} failed: ${(e as Error).stack ?? e}`);
        respond(socket, rinfo, message!, [], ErrorStatus.GeneralError, 0);
      });
    switch (pdu.type) {
      case PduType.GetRequest:
        counters.snmpInGetRequests++;
        return void settle(answerGet(socket, rinfo, message, sec, policy, view));
      case PduType.GetNextRequest:
        counters.snmpInGetNexts++;
        return void settle(answerNext(socket, rinfo, message, sec, policy, false, view));
      case PduType.GetBulkRequest:
        if (message.version === snmp.Version1) {
          counters.snmpSilentDrops++;
          return;
        }
        return void settle(answerNext(socket, rinfo, message, sec, policy, true, view));
      case PduType.SetRequest:
        counters.snmpInSetRequests++;
        counters.snmpInTotalSetVars += pdu.varbinds.length;
        return void settle(answerSet(socket, rinfo, message, sec, policy, view));
      default:
        counters.snmpSilentDrops++;
        return;
    }
  }

  // noSuchView (the access entry names no view, or an undefined one, for this operation) is
  // answered like notInView: the objects are simply not accessible (noAccess for a SET,
  // absent for reads), as Net-SNMP's snmpd does; only a missing group or access entry is an
  // authorizationError for the whole PDU (RFC 3413 §3.2 step 4).
  function check(policy: AccessPolicy | undefined, sec: RequestSecurity, view: ViewType, oid: string): AccessResult {
    const r = policy ? policy.isAccessAllowed(sec, view, oid) : 'allowed';
    return r === 'noSuchView' ? 'notInView' : r;
  }

  /** RFC 3584 §4.4 / RFC 2576: a v1 response cannot carry exception values. */
  function respond(socket: unknown, rinfo: unknown, message: DecodedMessage, varbinds: RawVarbind[], errorStatus = 0, errorIndex = 0) {
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
    raw.sendResponse(socket, rinfo, message, response);
  }

  function addressOf(oid: string): number[] | undefined {
    try {
      return oidToAddress(oid);
    } catch {
      return undefined;
    }
  }

  async function answerGet(socket: unknown, rinfo: unknown, message: DecodedMessage, sec: RequestSecurity, policy: AccessPolicy | undefined, view?: ExternalView) {
    const out: RawVarbind[] = [];
    const remote: Array<{ region: ExternalRegion; oid: string; at: number }> = [];
    const vbs = message.pdu.varbinds;
    for (let i = 0; i < vbs.length; i++) {
      const oid = vbs[i].oid;
      const access = check(policy, sec, 'read', oid);
      if (access !== 'allowed' && access !== 'notInView') {
        counters.snmpInBadCommunityUses += sec.model === 'usm' ? 0 : 1;
        return respond(socket, rinfo, message, [], ErrorStatus.AuthorizationError, i + 1);
      }
      if (access === 'notInView') {
        out.push({ oid, type: ObjectType.NoSuchObject, value: null });
        continue;
      }
      const address = view && addressOf(oid);
      const region = address && view.owner(address);
      if (region) {
        remote.push({ region, oid, at: i });
        out.push({ oid, type: ObjectType.Null, value: null });
        continue;
      }
      out.push(getOne(oid));
    }
    if (view && remote.length > 0) {
      try {
        const got = await view.get(remote.map(({ region, oid }) => ({ region, oid })));
        got.forEach((vb, k) => (out[remote[k].at] = { ...vb, oid: remote[k].oid }));
      } catch (e) {
        if (!(e instanceof ExternalError)) throw e;
        log('warn', `GET from a subagent: ${e.message}`);
        return respond(socket, rinfo, message, [], e.status, (remote[e.index]?.at ?? 0) + 1);
      }
    }
    respond(socket, rinfo, message, out);
  }

  function getOne(oid: string): RawVarbind {
    let address: number[];
    try {
      address = oidToAddress(oid);
    } catch {
      return { oid, type: ObjectType.NoSuchObject, value: null };
    }
    const node = mib.lookup(address);
    if (node && isInstance(node)) {
      const providerNode = node.getAncestorProvider();
      if (providerNode?.provider && readable(providerNode.provider, node)) {
        const v = readInstance(mib, node);
        if (v) return { oid, type: v.type, value: v.value };
        return { oid, type: ObjectType.NoSuchInstance, value: null };
      }
      return { oid, type: ObjectType.NoSuchObject, value: null };
    }
    const ancestor = mib.getAncestorProviderFromOid(oid);
    return { oid, type: ancestor ? ObjectType.NoSuchInstance : ObjectType.NoSuchObject, value: null };
  }

  /** `address` is the vb's OID as numbers, so a GETBULK's next step need not parse it again. */
  type Next = { vb?: RawVarbind; denied?: boolean; address?: number[]; node?: MibNode };

  /**
   * The next readable, in-view instance of our own tree after `address` (or at it, when
   * `inclusive`), stopping before `limit` (where a subagent's region begins); {} when none.
   */
  function nextLocal(address: number[], inclusive: boolean, limit: number[] | undefined, sec: RequestSecurity, policy: AccessPolicy | undefined, from?: MibNode): Next {
    let node: MibNode | null = null;
    // `from`: the node answered by the previous step of this same (synchronous) request.
    const here = from ?? (address.length > 0 ? mib.lookup(address) : null);
    if (here && isInstance(here)) node = inclusive ? here : nextInstanceAfterNode(mib, here);
    else node = nextInstance(mib, address);
    // Bounded: a view may exclude many instances in a row, but never more than the tree has.
    for (; node; node = nextInstanceAfterNode(mib, node)) {
      if (limit && compareOids(node.address, limit) >= 0) return {};
      const providerNode = node.getAncestorProvider();
      if (!providerNode?.provider || !readable(providerNode.provider, node)) continue;
      const access = check(policy, sec, 'read', node.oid);
      if (access === 'notInView') continue;
      if (access !== 'allowed') return { denied: true };
      const v = readInstance(mib, node);
      if (!v) continue;
      if (sec.model === 'v1' && v.type === ObjectType.Counter64) continue; // RFC 3584 §4.2.2.1
      return { vb: { oid: node.oid, type: v.type, value: v.value }, address: node.address, node };
    }
    return {};
  }

  // Walks through subagents' regions: at most this many subagent answers per varbind (views
  // that exclude long runs of a subagent's objects cost one round trip per excluded object).
  const MAX_EXTERNAL_STEPS = 10_000;

  /**
   * A GETBULK repeater's subagent instances fetched ahead in one exchange and consumed in order
   * by its next repetitions (`want`: repetitions still to answer), so a bulk walk over a
   * subagent costs about one round trip per response instead of one per instance.
   */
  interface Ahead {
    want: number;
    /** The span [start, end) the prefetched items cover. */
    start?: number[];
    end?: number[];
    items: Array<{ vb: RawVarbind; address: number[] }>;
    complete: boolean;
  }

  /** The next prefetched instance after `address`; undefined: the span has no more (go on at
   *  the region's end); null: nothing usable prefetched. */
  function takeAhead(ahead: Ahead | undefined, address: number[], inclusive: boolean): RawVarbind | undefined | null {
    if (!ahead?.start || !ahead.end || compareOids(address, ahead.start) < 0 || compareOids(address, ahead.end) >= 0) return null;
    while (ahead.items.length > 0 && compareOids(ahead.items[0].address, address) < (inclusive ? 0 : 1)) ahead.items.shift();
    const first = ahead.items.shift();
    if (first) return first.vb;
    return ahead.complete ? undefined : null;
  }

  /** nextLocal across our tree and the subagents' regions, in lexicographic order. */
  async function nextMerged(start: number[], sec: RequestSecurity, policy: AccessPolicy | undefined, view: ExternalView, ahead?: Ahead): Promise<Next> {
    let address = start;
    let inclusive = false;
    for (let steps = 0; steps < MAX_EXTERNAL_STEPS; steps++) {
      const region = view.owner(address);
      if (region) {
        let got = takeAhead(ahead, address, inclusive);
        if (got === null && ahead && ahead.want > 1 && view.bulk) {
          const r = await view.bulk(region, address, inclusive, ahead.want);
          ahead.start = address;
          ahead.end = r.end;
          ahead.items = r.varbinds.map((v) => ({ vb: v, address: oidToAddress(v.oid) }));
          ahead.complete = r.complete;
          got = takeAhead(ahead, address, inclusive);
        }
        const vb = got === null ? await view.next(region, address, inclusive) : got;
        if (!vb) {
          address = region.end;
          inclusive = true;
          continue;
        }
        address = oidToAddress(vb.oid);
        inclusive = false;
        const access = check(policy, sec, 'read', vb.oid);
        if (access === 'notInView') continue;
        if (access !== 'allowed') return { denied: true };
        if (sec.model === 'v1' && vb.type === ObjectType.Counter64) continue;
        return { vb, address };
      }
      const limit = view.following(address)?.start;
      const local = nextLocal(address, inclusive, limit, sec, policy);
      if (local.vb || local.denied || !limit) return local;
      address = limit;
      inclusive = true;
    }
    throw new ExternalError(ErrorStatus.GeneralError, 0, `walk from ${start.join('.')} took more than ${MAX_EXTERNAL_STEPS} subagent steps`);
  }

  async function answerNext(socket: unknown, rinfo: unknown, message: DecodedMessage, sec: RequestSecurity, policy: AccessPolicy | undefined, bulk: boolean, view?: ExternalView) {
    const vbs = message.pdu.varbinds;
    const out: RawVarbind[] = [];
    const endOf = (oid: string): RawVarbind => ({ oid, type: ObjectType.EndOfMibView, value: null });
    let size = 0;
    const push = (vb: RawVarbind) => {
      out.push(vb);
      size += vb.oid.length + 16 + (typeof vb.value === 'string' || Buffer.isBuffer(vb.value) ? (vb.value as string).length : 8);
    };
    let at = 0;
    // Without subagents every step is synchronous: no promise per varbind.
    const nextOne = (start: number[], from?: MibNode, ahead?: Ahead): Next | Promise<Next> => {
      if (!view) return nextLocal(start, false, undefined, sec, policy, from);
      return nextMerged(start, sec, policy, view, ahead).catch((e: unknown) => {
        if (e instanceof ExternalError) throw new ExternalError(e.status, at, e.message);
        throw e;
      });
    };
    try {
      const nonRepeaters = bulk ? Math.max(0, Math.min(message.pdu.nonRepeaters ?? 0, vbs.length)) : vbs.length;
      // Defect 1: past the last instance we answer endOfMibView (the library answered
      // noSuchObject at the same OID, so walks never ended).
      for (let i = 0; i < nonRepeaters; i++) {
        at = i;
        const step = nextOne(addressOf(vbs[i].oid) ?? []);
        const r = step instanceof Promise ? await step : step;
        if (r.denied) return respond(socket, rinfo, message, [], ErrorStatus.AuthorizationError, i + 1);
        push(r.vb ?? endOf(vbs[i].oid));
      }
      if (bulk) {
        // Defect 2: max-repetitions counts rows of repeaters, not varbinds in the whole response.
        const repeaters = vbs.slice(nonRepeaters).map((v) => v.oid);
        const addresses = repeaters.map((oid) => addressOf(oid) ?? []);
        const nodes: Array<MibNode | undefined> = repeaters.map(() => undefined);
        const aheads: Ahead[] = repeaters.map(() => ({ want: 0, items: [], complete: false }));
        const maxRep = Math.max(0, message.pdu.maxRepetitions ?? 0);
        const done = repeaters.map(() => false);
        for (let rep = 0; rep < maxRep && repeaters.length > 0; rep++) {
          if (out.length + repeaters.length > MAX_BULK_VARBINDS || size > MAX_RESPONSE_BYTES) break;
          for (let j = 0; j < repeaters.length; j++) {
            if (done[j]) {
              push(endOf(repeaters[j]));
              continue;
            }
            at = nonRepeaters + j;
            aheads[j].want = maxRep - rep;
            const step = nextOne(addresses[j], nodes[j], aheads[j]);
            const r = step instanceof Promise ? await step : step;
            if (r.denied) return respond(socket, rinfo, message, [], ErrorStatus.AuthorizationError, nonRepeaters + j + 1);
            if (r.vb) {
              push(r.vb);
              repeaters[j] = r.vb.oid;
              addresses[j] = r.address ?? addressOf(r.vb.oid) ?? [];
              nodes[j] = r.node;
            } else {
              done[j] = true;
              push(endOf(repeaters[j]));
            }
          }
          if (done.every(Boolean)) break;
        }
      }
    } catch (e) {
      if (!(e instanceof ExternalError)) throw e;
      log('warn', `GETNEXT/GETBULK through a subagent: ${e.message}`);
      return respond(socket, rinfo, message, [], e.status, e.index + 1);
    }
    respond(socket, rinfo, message, out);
  }

  async function answerSet(socket: unknown, rinfo: unknown, message: DecodedMessage, sec: RequestSecurity, policy: AccessPolicy | undefined, view?: ExternalView) {
    const vbs = message.pdu.varbinds;
    // RFC 3416 §4.2.5 step 1 via RFC 3413 §3.2: a varbind outside the write view is
    // noAccess; any other isAccessAllowed failure is authorizationError for the PDU.
    for (let i = 0; i < vbs.length; i++) {
      const access = check(policy, sec, 'write', vbs[i].oid);
      if (access === 'notInView') return respond(socket, rinfo, message, [], ErrorStatus.NoAccess, i + 1);
      if (access !== 'allowed') {
        counters.snmpInBadCommunityUses += sec.model === 'usm' ? 0 : 1;
        return respond(socket, rinfo, message, [], ErrorStatus.AuthorizationError, i + 1);
      }
    }
    // Varbinds in subagents' regions go to them (RFC 2741 §7.2.1.3); the rest are ours.
    const remote: Array<{ region: ExternalRegion; vb: RawVarbind; at: number }> = [];
    const localAt: number[] = [];
    for (let i = 0; i < vbs.length; i++) {
      const address = view && addressOf(vbs[i].oid);
      const region = address && view.owner(address);
      if (region) remote.push({ region, vb: vbs[i], at: i });
      else localAt.push(i);
    }
    // RFC 3416 §4.2.5 steps 3 to 6 (before noCreation, step 7): a value of the wrong ASN.1 type is wrongType, one the
    // object's SYNTAX excludes is wrongLength (size) or wrongValue (enumeration, range).
    // The library answers badValue (an SNMPv1 code) for all of these; a v1 request still
    // gets badValue through the RFC 3584 mapping in sendResponse.
    for (const i of localAt) {
      const status = checkSetValue(mib, vbs[i]);
      if (status !== undefined) return respond(socket, rinfo, message, [], status, i + 1);
    }
    // Objects that do not exist and cannot be created: noCreation (step 3), instead of the
    // library's noError + noSuchObject answer.
    const creating = new Set<string>();
    for (const i of localAt) {
      const vb = vbs[i];
      const provider = mib.getAncestorProviderFromOid(vb.oid);
      if (provider?.type === snmp.MibProviderType.Table && RowStatusCreate.has(Number(vb.value))) {
        const rest = vb.oid.slice(provider.oid.length + 1).split('.');
        const column = Number(rest.shift());
        if (provider.tableColumns?.find((c) => c.number === column)?.rowStatus) creating.add(`${provider.oid}|${rest.join('.')}`);
      }
    }
    for (const i of localAt) {
      let node: MibNode | null = null;
      try {
        node = mib.lookup(oidToAddress(vbs[i].oid));
      } catch {
        node = null;
      }
      if (node && isInstance(node)) continue;
      const provider = mib.getAncestorProviderFromOid(vbs[i].oid);
      if (provider?.type === snmp.MibProviderType.Table) {
        const rest = vbs[i].oid.slice(provider.oid.length + 1).split('.');
        rest.shift();
        if (creating.has(`${provider.oid}|${rest.join('.')}`)) continue;
        return respond(socket, rinfo, message, [], ErrorStatus.NoCreation, i + 1);
      }
      return respond(socket, rinfo, message, [], provider ? ErrorStatus.NotWritable : ErrorStatus.NoCreation, i + 1);
    }
    if (!view || remote.length === 0) return librarySet(socket, message, rinfo);

    // RFC 2741 §7.2.5: TestSet everywhere, then (ours: the library's test+commit) CommitSet,
    // UndoSet when a commit fails, CleanupSet in every case.
    const tx = view.set(remote.map(({ region, vb }) => ({ region, vb })));
    const at = (e: { index: number }) => (remote[e.index]?.at ?? 0) + 1;
    const tested = await tx.test();
    if (tested) {
      tx.cleanup();
      return respond(socket, rinfo, message, [], tested.status, at(tested));
    }
    if (localAt.length > 0) {
      const local = await new Promise<ResponsePdu>((resolve) => {
        const sub = Object.create(message) as DecodedMessage;
        sub.pdu = Object.create(message.pdu) as DecodedMessage['pdu'];
        sub.pdu.varbinds = localAt.map((i) => vbs[i]);
        captured.set(sub, resolve);
        librarySet(socket, sub, rinfo);
      });
      if (local.errorStatus) {
        tx.cleanup();
        return respond(socket, rinfo, message, [], local.errorStatus, localAt[(local.errorIndex ?? 1) - 1] + 1);
      }
    }
    const committed = await tx.commit();
    if (committed) {
      const undone = await tx.undo();
      tx.cleanup();
      // Our own objects cannot be rolled back once the library committed them.
      const status = undone || localAt.length > 0 ? ErrorStatus.UndoFailed : ErrorStatus.CommitFailed;
      return respond(socket, rinfo, message, [], status, at(undone ?? committed));
    }
    tx.cleanup();
    respond(socket, rinfo, message, vbs.map((v) => ({ oid: v.oid, type: v.type ?? ObjectType.Null, value: v.value ?? null })));
  }
}

// ---- SET value checks (RFC 3416 §4.2.5) -----------------------------------------------------

interface ValueConstraints {
  ranges?: Array<{ min?: number; max?: number }>;
  sizes?: Array<{ min?: number; max?: number }>;
  enumeration?: Record<number, string>;
}

/** The ASN.1 type and SYNTAX limits a SET of `oid` must meet: an existing instance's, or the
 *  column's for a cell of a row the same request creates. */
function expectedSyntax(mib: Mib, oid: string): { type: number; constraints?: ValueConstraints; rowStatus: boolean } | undefined {
  let node: MibNode | null = null;
  try {
    node = mib.lookup(oidToAddress(oid));
  } catch {
    return undefined;
  }
  if (node && isInstance(node)) {
    const provider = node.getAncestorProvider()?.provider;
    if (!provider) return undefined;
    if (provider.type === snmp.MibProviderType.Scalar) {
      const type = node.valueType ?? provider.scalarType;
      return type === undefined ? undefined : { type, constraints: provider.constraints as ValueConstraints | undefined, rowStatus: false };
    }
    const def = provider.tableColumns?.find((c) => c.number === node!.getTableColumnFromInstanceNode());
    return def ? { type: def.type, constraints: def.constraints as ValueConstraints | undefined, rowStatus: !!def.rowStatus } : undefined;
  }
  const provider = mib.getAncestorProviderFromOid(oid);
  if (provider?.type !== snmp.MibProviderType.Table) return undefined;
  const column = Number(oid.slice(provider.oid.length + 1).split('.')[0]);
  const def = provider.tableColumns?.find((c) => c.number === column);
  return def ? { type: def.type, constraints: def.constraints as ValueConstraints | undefined, rowStatus: !!def.rowStatus } : undefined;
}

const inRange = (n: number, r: { min?: number; max?: number }) => n >= (r.min ?? -Infinity) && n <= (r.max ?? Infinity);

/** The SNMPv2 error status for a SET varbind whose type or value the object refuses. */
export function checkSetValue(mib: Mib, vb: RawVarbind): number | undefined {
  const want = expectedSyntax(mib, vb.oid);
  if (!want) return undefined; // nothing known to check against: the handler decides
  const got = vb.type ?? ObjectType.Null;
  // BITS travel as OCTET STRING (RFC 2578 §7.1.4).
  const sameType = got === want.type || (want.type === ObjectType.BitString && got === ObjectType.OctetString);
  if (!sameType) return ErrorStatus.WrongType;
  const c = want.constraints;
  if (got === ObjectType.Integer) {
    const n = Number(vb.value);
    if (!Number.isInteger(n)) return ErrorStatus.WrongValue;
    // RowStatus: only its six values exist (RFC 2579); which are allowed when is the
    // library's state machine's business (inconsistentValue).
    if (want.rowStatus) return n >= 1 && n <= 6 ? undefined : ErrorStatus.WrongValue;
    if (c?.enumeration && c.enumeration[n] === undefined) return ErrorStatus.WrongValue;
    if (c?.ranges && c.ranges.length > 0 && !c.ranges.some((r) => inRange(n, r))) return ErrorStatus.WrongValue;
    return undefined;
  }
  if (got === ObjectType.OctetString || got === ObjectType.Opaque) {
    const len = Buffer.isBuffer(vb.value) ? vb.value.length : Buffer.byteLength(String(vb.value ?? ''));
    if (c?.sizes && c.sizes.length > 0 && !c.sizes.some((r) => inRange(len, r))) return ErrorStatus.WrongLength;
    return undefined;
  }
  if (got === ObjectType.Gauge || got === ObjectType.TimeTicks || got === ObjectType.Counter) {
    const n = Number(vb.value);
    if (c?.ranges && c.ranges.length > 0 && !c.ranges.some((r) => inRange(n, r))) return ErrorStatus.WrongValue;
  }
  return undefined;
}

/** Map our set-error names to net-snmp's ErrorStatus numbers. */
export const SET_ERROR_STATUS: Record<string, number> = {
  wrongValue: ErrorStatus.WrongValue,
  wrongType: ErrorStatus.WrongType,
  wrongLength: ErrorStatus.WrongLength,
  wrongEncoding: ErrorStatus.WrongEncoding,
  inconsistentValue: ErrorStatus.InconsistentValue,
  resourceUnavailable: ErrorStatus.ResourceUnavailable,
  commitFailed: ErrorStatus.CommitFailed,
  noCreation: ErrorStatus.NoCreation,
  notWritable: ErrorStatus.NotWritable,
  inconsistentName: ErrorStatus.InconsistentName,
  genErr: ErrorStatus.GeneralError,
};

export type { Agent, Mib, MibNode, MibRequest, RawProvider, RawVarbind };
