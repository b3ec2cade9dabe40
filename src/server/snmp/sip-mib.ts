// The SIP MIB sipd serves over AgentX: RFC 4780's SIP-COMMON-MIB and SIP-SERVER-MIB, the
// applTable row of RFC 2788 that their applIndex points to, and OPENSPS-SIP-MIB (the link to
// sipd's process in SYSAPPL-MIB, and responses by class for DISMAN-EVENT triggers).
// Every value is read from sipd's live state when the request comes.
import { VERSION } from '../../common/install.js';
import { ALLOWED_METHODS, SUPPORTED_OPTION_TAGS } from '../../proxy/core.js';
import { giveUpAfter, timersFrom } from '../../transaction/timers.js';
import { cell, OidTree, stringIndex } from '../../common/agentx/tree.js';
import type { Cell, ColumnDef } from '../../common/agentx/tree.js';
import { APPL_INDEX, ENTRY } from './oids.js';
import { registrarTables } from './registrar-mib.js';
import type { SipMibSource, SipMibState } from './source.js';
import type { StatusCodes } from './status-codes.js';

/** SipTCEntityRole bits. */
const Role = { proxyServer: 2, redirectServer: 3, registrarServer: 4 } as const;
/** SipTCTransportProtocol bits. */
const TransportBit: Record<string, number> = { UDP: 1, TCP: 2, TLS: 4 };
/** RFC 2788 applOperStatus from RFC 4780's service status. */
const APPL_STATUS: Record<number, number> = { 1: 2, 2: 1, 3: 2, 4: 4, 5: 5, 6: 6, 7: 2 };
/** sipCommonCfgServiceNotifEnable bits. */
export const NotifBit = { coldStart: 0, warmStart: 1, statusChanged: 2 } as const;

type Single = ColumnDef<null>;
const only = (): Iterable<{ index: number[]; row: null }> => [{ index: [APPL_INDEX], row: null }];
/** A table with the single applIndex row: column number → value. */
function single(tree: OidTree, entry: number[], columns: Record<number, () => Cell | undefined>, extra: Single[] = []): void {
  tree.table<null>({ entry, rows: only, columns: [...Object.entries(columns).map(([sub, get]) => ({ sub: Number(sub), get: () => get() })), ...extra] });
}

export function buildSipMib(src: SipMibSource, codes: StatusCodes, state: SipMibState): OidTree {
  const tree = new OidTree();
  const v = () => src.config().values;
  const c = src.counters;
  // Start time, and the discontinuity of every counter: they all start with the process.
  const started = () => cell.ticks(state.upTimeAt(src.startedAt));

  // NETWORK-SERVICES-MIB applTable: what the host's applications table says about sipd.
  single(tree, ENTRY.applEntry, {
    2: () => cell.text('sipd'),
    3: () => cell.text(''),
    4: () => cell.text(VERSION),
    5: started,
    6: () => cell.integer(APPL_STATUS[src.operStatus()] ?? 2),
    7: () => cell.ticks(state.upTimeAt(state.lastChange)),
    16: () => cell.text('OpenSPS SIP proxy, redirect and registrar server'),
  });

  // SIP-COMMON-MIB configuration.
  single(
    tree,
    ENTRY.sipCommonCfgEntry,
    {
      1: () => cell.text('SIP/2.0'),
      2: () => cell.integer(src.operStatus()),
      3: started,
      4: () => cell.ticks(state.upTimeAt(state.lastChange)),
      5: () => cell.text(''),
      // 6 (sipCommonCfgMaxTransactions) is not served: sipd has no configured transaction-rate limit to report.
      8: () => cell.bits([v().ServerType === 'Redirect' ? Role.redirectServer : Role.proxyServer, ...(v().Cisco_Registry ? [Role.registrarServer] : [])]),
    },
    [
      {
        sub: 7,
        get: () => cell.bits([...state.notifEnable]),
        set: (_row, _index, vb) => {
          if (!Buffer.isBuffer(vb.value)) return 7; // wrongType
          const on: number[] = [];
          vb.value.forEach((byte, i) => {
            for (let b = 0; b < 8; b++) if (byte & (0x80 >> b)) on.push(i * 8 + b);
          });
          if (on.some((b) => b > NotifBit.statusChanged)) return 10; // wrongValue: a bit the MIB does not define
          const before = new Set(state.notifEnable);
          return { commit: () => (state.notifEnable = new Set(on)), undo: () => (state.notifEnable = before) };
        },
      },
    ],
  );
  tree.table<{ port: number; bits: number[] }>({
    entry: ENTRY.sipCommonPortEntry,
    rows: () => {
      const ports = new Map<number, Set<number>>();
      for (const b of src.bound()) {
        const bit = TransportBit[b.transport];
        if (bit === undefined) continue;
        ports.set(b.port, (ports.get(b.port) ?? new Set()).add(bit));
      }
      return [...ports].map(([port, bits]) => ({ index: [APPL_INDEX, port], row: { port, bits: [...bits] } }));
    },
    columns: [{ sub: 2, get: (r) => cell.bits(r.bits) }],
  });
  tree.table<string>({
    entry: ENTRY.sipCommonOptionTagEntry,
    rows: () => SUPPORTED_OPTION_TAGS.map((tag, i) => ({ index: [APPL_INDEX, i + 1], row: tag })),
    columns: [
      { sub: 2, get: (t) => cell.text(t) },
      { sub: 3, get: () => cell.bits([2]) }, // supported(2)
    ],
  });
  tree.table<string>({
    entry: ENTRY.sipCommonMethodSupportedEntry,
    rows: () => ALLOWED_METHODS.map((m, i) => ({ index: [APPL_INDEX, i + 1], row: m })),
    columns: [{ sub: 2, get: (m) => cell.text(m) }],
  });
  single(tree, ENTRY.sipCommonCfgTimerEntry, timerColumns(() => timersFrom(v())));

  // SIP-COMMON-MIB statistics.
  single(tree, ENTRY.sipCommonSummaryStatsEntry, {
    1: () => cell.counter(c.inRequests),
    2: () => cell.counter(c.outRequests),
    3: () => cell.counter(c.inResponses),
    4: () => cell.counter(c.outResponses),
    5: () => cell.counter(c.totalTransactions),
    6: started,
  });
  tree.table<string>({
    entry: ENTRY.sipCommonMethodStatsEntry,
    rows: () => [...new Set([...c.methodIn.keys(), ...c.methodOut.keys()])].map((m) => ({ index: [APPL_INDEX, ...stringIndex(m)], row: m })),
    columns: [
      { sub: 2, get: (m) => cell.counter(c.methodOut.get(m) ?? 0) },
      { sub: 3, get: (m) => cell.counter(c.methodIn.get(m) ?? 0) },
      { sub: 4, get: started },
    ],
  });
  tree.table(codes.table());
  tree.table(codes.notifTable());
  single(tree, ENTRY.sipCommonTransCurrentEntry, { 1: () => cell.gauge(src.currentTransactions()) });
  tree.table<string>({
    entry: ENTRY.sipCommonStatsRetryEntry,
    rows: () => [...c.retries.keys()].map((m) => ({ index: [APPL_INDEX, ...stringIndex(m)], row: m })),
    columns: [
      { sub: 2, get: (m) => cell.counter(c.retries.get(m)?.requests ?? 0) },
      { sub: 3, get: (m) => cell.counter(c.retries.get(m)?.finalResponses ?? 0) },
      { sub: 4, get: (m) => cell.counter(c.retries.get(m)?.nonFinalResponses ?? 0) },
      { sub: 5, get: started },
    ],
  });
  single(tree, ENTRY.sipCommonOtherStatsEntry, {
    1: () => cell.counter(c.unsupportedUris),
    2: () => cell.counter(c.unsupportedMethods),
    3: () => cell.counter(c.otherwiseDiscarded),
    4: started,
  });

  // SIP-SERVER-MIB and OPENSPS-SIP-MIB.
  registrarTables(tree, src, state);
  single(tree, ENTRY.spsSipApplEntry, { 1: () => cell.unsigned(process.pid) });
  tree.table<number>({
    entry: ENTRY.spsSipStatusClassEntry,
    rows: () => [1, 2, 3, 4, 5, 6].map((k) => ({ index: [k, APPL_INDEX], row: k })),
    columns: [
      { sub: 2, get: (k) => cell.counter(c.responsesReceived[`${k}xx`] ?? 0) },
      { sub: 3, get: (k) => cell.counter(c.responsesSent[`${k}xx`] ?? 0) },
    ],
  });
  radiusServers(tree, c);
  // spsAcctTable: the accounting module's own figures (no row when it has no spool open).
  const acct = (name: string) => c.figures('accounting')[name];
  tree.table<null>({
    entry: ENTRY.spsAcctEntry,
    rows: () => (acct('sent') === undefined ? [] : only()),
    columns: [
      { sub: 1, get: () => cell.counter(acct('sent') ?? 0) },
      { sub: 2, get: () => cell.counter(acct('spooled') ?? 0) },
      { sub: 3, get: () => cell.gauge(acct('spoolDepth') ?? 0) },
      { sub: 4, get: () => cell.counter(acct('dropped') ?? 0) },
      { sub: 5, get: () => cell.counter(acct('unanswered') ?? 0) },
    ],
  });
  return tree;
}

/** spsRadiusServerTable columns, in order from 3, as the RADIUS client names its figures. */
const RADIUS_FIGURES = ['sent', 'retransmitted', 'failedOver', 'answered', 'timeouts', 'badResponses', 'queueFull'] as const;

/** OPENSPS-SIP-MIB spsRadiusServerTable from the RADIUS client's per-server figures; an index per server, kept while sipd runs. */
function radiusServers(tree: OidTree, c: SipMibSource['counters']): void {
  const index = new Map<string, number>();
  const servers = () => {
    const by = new Map<string, Record<string, number>>();
    for (const [key, n] of Object.entries(c.figures('radius'))) {
      const dot = key.lastIndexOf('.');
      const field = key.slice(dot + 1);
      if (dot < 0 || !(RADIUS_FIGURES as readonly string[]).includes(field)) continue;
      const server = key.slice(0, dot);
      if (!index.has(server)) index.set(server, index.size + 1);
      by.set(server, { ...by.get(server), [field]: n });
    }
    return [...by].map(([server, f]) => ({ index: [APPL_INDEX, index.get(server)!], row: { server, f } }));
  };
  tree.table<{ server: string; f: Record<string, number> }>({
    entry: ENTRY.spsRadiusServerEntry,
    rows: servers,
    columns: [
      { sub: 2, get: (r) => cell.text(r.server) },
      ...RADIUS_FIGURES.map((name, i) => ({ sub: 3 + i, get: (r: { f: Record<string, number> }) => cell.counter(r.f[name] ?? 0) })),
    ],
  });
}

/** sipCommonCfgTimerTable from the transaction timers (RFC 3261 §17 derivations). */
function timerColumns(t: () => ReturnType<typeof timersFrom>): Record<number, () => Cell> {
  const ms = (f: (x: ReturnType<typeof timersFrom>) => number) => () => cell.unsigned(f(t()));
  return {
    1: ms((x) => x.t1), // A: first INVITE retransmission
    2: ms((x) => giveUpAfter(x)), // B: 64·T1
    3: ms((x) => x.t3), // C: the provisional wait (SipT3InMs)
    4: ms((x) => x.t4), // D: SipT4InMs, as the client transaction uses it
    5: ms((x) => x.t1), // E
    6: ms((x) => giveUpAfter(x)), // F
    7: ms((x) => x.t1), // G
    8: ms((x) => giveUpAfter(x)), // H
    9: ms((x) => x.t4), // I
    10: ms((x) => giveUpAfter(x)), // J
    11: ms((x) => x.t4), // K
    12: ms((x) => x.t1),
    13: ms((x) => x.t2),
    14: ms((x) => x.t4),
  };
}
