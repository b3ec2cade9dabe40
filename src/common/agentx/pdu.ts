// AgentX (RFC 2741 §5-6) PDU codec, both byte orders: ciagent's master and sipd's subagent share it.
//
// net-snmp (npm) ships an AgentXPdu class, but only for its subagent: it cannot decode
// Open/Register/Notify (it throws on them), cannot encode Get/GetNext/GetBulk, always writes
// big-endian, ignores NON_DEFAULT_CONTEXT, and reads INTEGER values unsigned. So we have
// our own codec. Every decode error is an AgentxParseError (never a crash); a PDU is
// framed by its 20-octet header, whose payload length tells where the next one starts.
// Long: one codec for all 18 PDU types of RFC 2741 §6, both directions; split, each half would need the other's readers.

export const HEADER_SIZE = 20;
/** Refuse PDUs larger than this (a broken or hostile peer); the connection is then closed. */
export const MAX_PAYLOAD = 1 << 20;

export const PduType = {
  Open: 1, Close: 2, Register: 3, Unregister: 4, Get: 5, GetNext: 6, GetBulk: 7, TestSet: 8,
  CommitSet: 9, UndoSet: 10, CleanupSet: 11, Notify: 12, Ping: 13, IndexAllocate: 14,
  IndexDeallocate: 15, AddAgentCaps: 16, RemoveAgentCaps: 17, Response: 18,
} as const;
export type PduTypeNumber = (typeof PduType)[keyof typeof PduType];
export const PDU_NAMES: Record<number, string> = Object.fromEntries(Object.entries(PduType).map(([k, v]) => [v, k]));

export const Flag = { InstanceRegistration: 0x01, NewIndex: 0x02, AnyIndex: 0x04, NonDefaultContext: 0x08, NetworkByteOrder: 0x10 } as const;

/** res.error values (RFC 2741 §6.2.16); 0-18 are the SNMP error-status values for SETs. */
export const AgentxError = {
  noAgentXError: 0, openFailed: 256, notOpen: 257, indexWrongType: 258, indexAlreadyAllocated: 259,
  indexNoneAvailable: 260, indexNotAllocated: 261, unsupportedContext: 262, duplicateRegistration: 263,
  unknownRegistration: 264, unknownAgentCaps: 265, parseError: 266, requestDenied: 267, processingError: 268,
} as const;

export const CloseReason = { other: 1, parseError: 2, protocolError: 3, timeouts: 4, shutdown: 5, byManager: 6 } as const;

/** Varbind types (RFC 2741 §5.4) — the same numbers as the BER tags net-snmp uses. */
export const VarType = {
  Integer: 2, OctetString: 4, Null: 5, OID: 6, IpAddress: 64, Counter32: 65, Gauge32: 66, TimeTicks: 67,
  Opaque: 68, Counter64: 70, NoSuchObject: 128, NoSuchInstance: 129, EndOfMibView: 130,
} as const;

export interface Varbind {
  oid: number[];
  type: number;
  /** number (Integer/Counter32/Gauge32/TimeTicks), bigint (Counter64), Buffer (OctetString/Opaque),
   *  dotted string (IpAddress), number[] (OID), null (Null and the exceptions). */
  value: number | bigint | Buffer | string | number[] | null;
}

export interface SearchRange {
  start: number[];
  include: boolean;
  /** Empty = no upper bound. */
  end: number[];
}

export interface Header {
  type: number;
  flags: number;
  sessionID: number;
  transactionID: number;
  packetID: number;
}

export type Pdu = Header &
  (
    | { type: 1; timeout: number; id: number[]; descr: string }
    | { type: 2; reason: number }
    | { type: 3; context?: string; timeout: number; priority: number; rangeSubid: number; subtree: number[]; upperBound?: number }
    | { type: 4; context?: string; priority: number; rangeSubid: number; subtree: number[]; upperBound?: number }
    | { type: 5 | 6; context?: string; ranges: SearchRange[] }
    | { type: 7; context?: string; nonRepeaters: number; maxRepetitions: number; ranges: SearchRange[] }
    | { type: 8 | 12 | 14 | 15; context?: string; varbinds: Varbind[] }
    | { type: 9 | 10 | 11 }
    | { type: 13; context?: string }
    | { type: 16; context?: string; id: number[]; descr: string }
    | { type: 17; context?: string; id: number[] }
    | { type: 18; sysUpTime: number; error: number; index: number; varbinds: Varbind[] }
  );

export class AgentxParseError extends Error {}

const INTERNET = [1, 3, 6, 1];

// ---- reading ------------------------------------------------------------------------------

class Reader {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly be: boolean,
  ) {}
  private need(n: number) {
    if (this.pos + n > this.buf.length) throw new AgentxParseError(`PDU ends early (needed ${n} more octets at offset ${this.pos})`);
  }
  get left(): number {
    return this.buf.length - this.pos;
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16(): number {
    this.need(2);
    const v = this.be ? this.buf.readUInt16BE(this.pos) : this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.be ? this.buf.readUInt32BE(this.pos) : this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.be ? this.buf.readInt32BE(this.pos) : this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.be ? this.buf.readBigUInt64BE(this.pos) : this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  /** Object identifier (§5.1); returns the OID and its include flag. */
  oid(): { oid: number[]; include: boolean } {
    const n = this.u8();
    const prefix = this.u8();
    const include = this.u8();
    this.u8();
    if (n > 128) throw new AgentxParseError(`OID with ${n} sub-identifiers (at most 128)`);
    const oid = prefix !== 0 ? [...INTERNET, prefix] : [];
    for (let i = 0; i < n; i++) oid.push(this.u32());
    return { oid, include: include !== 0 };
  }
  octets(): Buffer {
    const len = this.u32();
    if (len > this.left) throw new AgentxParseError(`octet string of ${len} octets runs past the PDU`);
    const b = Buffer.from(this.bytes(len));
    this.bytes((4 - (len % 4)) % 4);
    return b;
  }
  varbind(): Varbind {
    const type = this.u16();
    this.u16();
    const { oid } = this.oid();
    let value: Varbind['value'];
    switch (type) {
      case VarType.Integer:
        value = this.i32();
        break;
      case VarType.Counter32:
      case VarType.Gauge32:
      case VarType.TimeTicks:
        value = this.u32();
        break;
      case VarType.Counter64:
        value = this.u64();
        break;
      case VarType.OctetString:
      case VarType.Opaque:
        value = this.octets();
        break;
      case VarType.IpAddress: {
        const b = this.octets();
        if (b.length !== 4) throw new AgentxParseError(`IpAddress of ${b.length} octets`);
        value = [...b].join('.');
        break;
      }
      case VarType.OID:
        value = this.oid().oid;
        break;
      case VarType.Null:
      case VarType.NoSuchObject:
      case VarType.NoSuchInstance:
      case VarType.EndOfMibView:
        value = null;
        break;
      default:
        throw new AgentxParseError(`unknown varbind type ${type}`);
    }
    return { oid, type, value };
  }
  varbinds(): Varbind[] {
    const out: Varbind[] = [];
    while (this.left > 0) out.push(this.varbind());
    return out;
  }
  ranges(): SearchRange[] {
    const out: SearchRange[] = [];
    while (this.left > 0) {
      const s = this.oid();
      const e = this.oid();
      out.push({ start: s.oid, include: s.include, end: e.oid });
    }
    return out;
  }
}

/** Header fields plus payload length, or undefined when fewer than 20 octets are there. */
export function readHeader(buf: Buffer): (Header & { version: number; payloadLength: number; bigEndian: boolean }) | undefined {
  if (buf.length < HEADER_SIZE) return undefined;
  const flags = buf[2];
  const be = (flags & Flag.NetworkByteOrder) !== 0;
  const r = (o: number) => (be ? buf.readUInt32BE(o) : buf.readUInt32LE(o));
  return { version: buf[0], type: buf[1], flags, sessionID: r(4), transactionID: r(8), packetID: r(12), payloadLength: r(16), bigEndian: be };
}

/** Decode one whole PDU (header + payload). */
export function decodePdu(buf: Buffer): Pdu {
  const h = readHeader(buf);
  if (!h) throw new AgentxParseError('PDU shorter than its 20-octet header');
  if (h.version !== 1) throw new AgentxParseError(`AgentX version ${h.version} (only 1 exists)`);
  if (h.payloadLength % 4 !== 0) throw new AgentxParseError(`payload length ${h.payloadLength} is not a multiple of 4`);
  if (buf.length !== HEADER_SIZE + h.payloadLength) throw new AgentxParseError('payload length does not match the PDU');
  const r = new Reader(buf.subarray(HEADER_SIZE), h.bigEndian);
  const header: Header = { type: h.type, flags: h.flags, sessionID: h.sessionID, transactionID: h.transactionID, packetID: h.packetID };
  const context = () => ((h.flags & Flag.NonDefaultContext) !== 0 ? r.octets().toString('latin1') : undefined);
  const withUpper = (rangeSubid: number, subtree: number[]) => {
    if (rangeSubid === 0) return undefined;
    if (rangeSubid > subtree.length) throw new AgentxParseError(`range_subid ${rangeSubid} is past the subtree's ${subtree.length} sub-identifiers`);
    return r.u32();
  };
  switch (h.type) {
    case PduType.Open: {
      const timeout = r.u8();
      r.bytes(3);
      const id = r.oid().oid;
      return { ...header, type: 1, timeout, id, descr: r.octets().toString('utf8') };
    }
    case PduType.Close: {
      const reason = r.u8();
      r.bytes(3);
      return { ...header, type: 2, reason };
    }
    case PduType.Register:
    case PduType.Unregister: {
      const ctx = context();
      const timeout = r.u8();
      const priority = r.u8();
      const rangeSubid = r.u8();
      r.u8();
      const subtree = r.oid().oid;
      const upperBound = withUpper(rangeSubid, subtree);
      if (h.type === PduType.Register) return { ...header, type: 3, context: ctx, timeout, priority, rangeSubid, subtree, upperBound };
      return { ...header, type: 4, context: ctx, priority, rangeSubid, subtree, upperBound };
    }
    case PduType.Get:
    case PduType.GetNext: {
      const ctx = context();
      return { ...header, type: h.type, context: ctx, ranges: r.ranges() };
    }
    case PduType.GetBulk: {
      const ctx = context();
      const nonRepeaters = r.u16();
      const maxRepetitions = r.u16();
      return { ...header, type: 7, context: ctx, nonRepeaters, maxRepetitions, ranges: r.ranges() };
    }
    case PduType.TestSet:
    case PduType.Notify:
    case PduType.IndexAllocate:
    case PduType.IndexDeallocate: {
      const ctx = context();
      return { ...header, type: h.type, context: ctx, varbinds: r.varbinds() };
    }
    case PduType.CommitSet:
    case PduType.UndoSet:
    case PduType.CleanupSet:
      return { ...header, type: h.type };
    case PduType.Ping:
      return { ...header, type: 13, context: context() };
    case PduType.AddAgentCaps: {
      const ctx = context();
      const id = r.oid().oid;
      return { ...header, type: 16, context: ctx, id, descr: r.octets().toString('utf8') };
    }
    case PduType.RemoveAgentCaps: {
      const ctx = context();
      return { ...header, type: 17, context: ctx, id: r.oid().oid };
    }
    case PduType.Response: {
      const sysUpTime = r.u32();
      const error = r.u16();
      const index = r.u16();
      return { ...header, type: 18, sysUpTime, error, index, varbinds: r.varbinds() };
    }
    default:
      throw new AgentxParseError(`unknown PDU type ${h.type}`);
  }
}

// ---- writing ------------------------------------------------------------------------------

class Writer {
  private chunks: Buffer[] = [];
  length = 0;
  constructor(private readonly be: boolean) {}
  private push(b: Buffer) {
    this.chunks.push(b);
    this.length += b.length;
  }
  u8(v: number) {
    this.push(Buffer.from([v & 0xff]));
  }
  u16(v: number) {
    const b = Buffer.alloc(2);
    if (this.be) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    this.push(b);
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    if (this.be) b.writeUInt32BE(v >>> 0);
    else b.writeUInt32LE(v >>> 0);
    this.push(b);
  }
  i32(v: number) {
    const b = Buffer.alloc(4);
    if (this.be) b.writeInt32BE(v | 0);
    else b.writeInt32LE(v | 0);
    this.push(b);
  }
  u64(v: bigint) {
    const b = Buffer.alloc(8);
    if (this.be) b.writeBigUInt64BE(v);
    else b.writeBigUInt64LE(v);
    this.push(b);
  }
  oid(oid: readonly number[], include = false) {
    let subids = oid;
    let prefix = 0;
    if (oid.length >= 5 && oid[0] === 1 && oid[1] === 3 && oid[2] === 6 && oid[3] === 1 && oid[4] > 0 && oid[4] < 256) {
      prefix = oid[4];
      subids = oid.slice(5);
    }
    this.u8(subids.length);
    this.u8(prefix);
    this.u8(include ? 1 : 0);
    this.u8(0);
    for (const s of subids) this.u32(s);
  }
  octets(b: Buffer) {
    this.u32(b.length);
    this.push(b);
    const pad = (4 - (b.length % 4)) % 4;
    if (pad) this.push(Buffer.alloc(pad));
  }
  varbind(v: Varbind) {
    this.u16(v.type);
    this.u16(0);
    this.oid(v.oid);
    switch (v.type) {
      case VarType.Integer:
        this.i32(Number(v.value ?? 0));
        break;
      case VarType.Counter32:
      case VarType.Gauge32:
      case VarType.TimeTicks:
        this.u32(Number(v.value ?? 0));
        break;
      case VarType.Counter64:
        this.u64(BigInt.asUintN(64, BigInt((v.value as bigint | number | null) ?? 0)));
        break;
      case VarType.OctetString:
      case VarType.Opaque:
        this.octets(Buffer.isBuffer(v.value) ? v.value : Buffer.from(String(v.value ?? ''), 'utf8'));
        break;
      case VarType.IpAddress:
        this.octets(Buffer.from(String(v.value ?? '0.0.0.0').split('.').map(Number)));
        break;
      case VarType.OID:
        this.oid(Array.isArray(v.value) ? v.value : String(v.value ?? '0.0').split('.').filter((x) => x !== '').map(Number));
        break;
      default:
        break; // Null and the exceptions carry no data
    }
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

/** Encode a PDU the master sends (Get/GetNext/GetBulk/TestSet/CommitSet/UndoSet/CleanupSet/Response;
 *  the administrative types are encoded too, for tests and symmetry). */
/**
 * Decode one framed PDU. On failure: its header, why, and whether to answer parseError
 * (RFC 2741 §7.1.1: any PDU but a Response).
 */
export function tryDecodePdu(buf: Buffer): { ok: true; pdu: Pdu; bigEndian: boolean } | { ok: false; header: Header & { bigEndian: boolean }; name: string; reason: string; answer: boolean } {
  const h = readHeader(buf)!;
  try {
    return { ok: true, pdu: decodePdu(buf), bigEndian: h.bigEndian };
  } catch (e) {
    return { ok: false, header: h, name: PDU_NAMES[h.type] ?? `type-${h.type}`, reason: (e as Error).message, answer: h.type !== PduType.Response && e instanceof AgentxParseError };
  }
}

export function encodePdu(p: Pdu, bigEndian = true): Buffer {
  const w = new Writer(bigEndian);
  let flags = p.flags & ~Flag.NetworkByteOrder & ~Flag.NonDefaultContext;
  if (bigEndian) flags |= Flag.NetworkByteOrder;
  const ctx = 'context' in p && p.context !== undefined ? p.context : undefined;
  if (ctx !== undefined) {
    flags |= Flag.NonDefaultContext;
    w.octets(Buffer.from(ctx, 'latin1'));
  }
  switch (p.type) {
    case 1:
      w.u8(p.timeout);
      w.u8(0);
      w.u8(0);
      w.u8(0);
      w.oid(p.id);
      w.octets(Buffer.from(p.descr, 'utf8'));
      break;
    case 2:
      w.u8(p.reason);
      w.u8(0);
      w.u8(0);
      w.u8(0);
      break;
    case 3:
    case 4:
      w.u8(p.type === 3 ? p.timeout : 0);
      w.u8(p.priority);
      w.u8(p.rangeSubid);
      w.u8(0);
      w.oid(p.subtree);
      if (p.rangeSubid !== 0) w.u32(p.upperBound ?? 0);
      break;
    case 5:
    case 6:
    case 7:
      if (p.type === 7) {
        w.u16(p.nonRepeaters);
        w.u16(p.maxRepetitions);
      }
      for (const r of p.ranges) {
        w.oid(r.start, r.include);
        w.oid(r.end);
      }
      break;
    case 8:
    case 12:
    case 14:
    case 15:
      for (const v of p.varbinds) w.varbind(v);
      break;
    case 16:
      w.oid(p.id);
      w.octets(Buffer.from(p.descr, 'utf8'));
      break;
    case 17:
      w.oid(p.id);
      break;
    case 18:
      w.u32(p.sysUpTime);
      w.u16(p.error);
      w.u16(p.index);
      for (const v of p.varbinds) w.varbind(v);
      break;
    default:
      break; // 9, 10, 11, 13: header (and context) only
  }
  const payload = w.concat();
  const head = new Writer(bigEndian);
  head.u8(1);
  head.u8(p.type);
  head.u8(flags);
  head.u8(0);
  head.u32(p.sessionID);
  head.u32(p.transactionID);
  head.u32(p.packetID);
  head.u32(payload.length);
  return Buffer.concat([head.concat(), payload]);
}

/**
 * Splits a byte stream into PDUs. push() returns the complete PDUs received so far; a header
 * announcing an oversized or misaligned payload throws (the caller closes the connection).
 */
export class PduFramer {
  private pending: Buffer = Buffer.alloc(0);
  push(data: Buffer): Buffer[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    const out: Buffer[] = [];
    for (;;) {
      const h = readHeader(this.pending);
      if (!h) break;
      if (h.payloadLength > MAX_PAYLOAD) throw new AgentxParseError(`PDU payload of ${h.payloadLength} octets (limit ${MAX_PAYLOAD})`);
      if (h.payloadLength % 4 !== 0) throw new AgentxParseError(`payload length ${h.payloadLength} is not a multiple of 4`);
      const total = HEADER_SIZE + h.payloadLength;
      if (this.pending.length < total) break;
      out.push(this.pending.subarray(0, total));
      this.pending = this.pending.subarray(total);
    }
    return out;
  }
}
