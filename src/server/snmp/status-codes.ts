// sipCommonStatusCodeTable and its notification controls (RFC 4780): which (method, status
// code) pairs are counted, their in/out counts, and the notifications they ask for.
//
// A row appears by itself the first time sipd sends or receives that status code for that
// method, so a manager sees the 404s and 486s without setting anything up; a manager may
// also create rows in advance (createAndGo) and destroy them (destroy: the row and its counts
// go; it comes back, from zero, with the next such response). Rows live in memory only, as
// the RFC asks, and their number is capped so a peer sending odd codes cannot grow them.
import type { SipResponse } from '../../sip/message.js';
import { VarType } from '../../common/agentx/pdu.js';
import type { Varbind } from '../../common/agentx/pdu.js';
import { cell, readStringIndex, SetError, stringIndex } from '../../common/agentx/tree.js';
import type { ColumnDef, SetPlan, TableDef } from '../../common/agentx/tree.js';
import { APPL_INDEX, ENTRY, NOTIF_OBJECT, NOTIFICATION } from './oids.js';

export const MAX_CODE_ROWS = 1000;
const RowStatus = { active: 1, createAndGo: 4, destroy: 6 } as const;
const EmitMode = { normal: 1, oneShot: 2, triggered: 3 } as const;
const METHOD = /^[A-Z][A-Z0-9!%*_+`'~.-]{0,99}$/;

export interface CodeRow {
  readonly method: string;
  readonly code: number;
  ins: number;
  outs: number;
  /** Local time (ms) the counts started. */
  createdAt: number;
  notifSend: boolean;
  emitMode: number;
  thresh: number;
  interval: number;
  /** Counts in the current threshold window, per direction. */
  window: { start: number; in: number; out: number; sentIn: boolean; sentOut: boolean };
}

export type Notify = (trap: number[], varbinds: Varbind[]) => void;

export class StatusCodes {
  private readonly rows = new Map<string, CodeRow>();
  private seq = 0;

  constructor(
    private readonly notify: Notify,
    private readonly upTimeAt: (ms: number) => number,
  ) {}

  private static key(method: string, code: number): string {
    return `${method} ${code}`;
  }

  private add(method: string, code: number, now: number): CodeRow | undefined {
    if (this.rows.size >= MAX_CODE_ROWS) return undefined;
    const row: CodeRow = { method, code, ins: 0, outs: 0, createdAt: now, notifSend: false, emitMode: EmitMode.oneShot, thresh: 500, interval: 60, window: { start: now, in: 0, out: 0, sentIn: false, sentOut: false } };
    this.rows.set(StatusCodes.key(method, code), row);
    return row;
  }

  /** A response sent ('out') or received ('in'), first transmissions only. */
  count(dir: 'in' | 'out', method: string, code: number, res: SipResponse, now = Date.now()): void {
    if (code < 100 || code > 999 || !METHOD.test(method)) return;
    const row = this.rows.get(StatusCodes.key(method, code)) ?? this.add(method, code, now);
    if (!row) return;
    if (dir === 'in') row.ins++;
    else row.outs++;
    if (row.notifSend && row.emitMode !== EmitMode.triggered) {
      this.send(NOTIFICATION.sipCommonStatusCodeNotif, [
        this.text(NOTIF_OBJECT.sipCommonStatusCodeNotifTo, `To: ${res.headers.get('To') ?? ''}`),
        this.text(NOTIF_OBJECT.sipCommonStatusCodeNotifFrom, `From: ${res.headers.get('From') ?? ''}`),
        this.text(NOTIF_OBJECT.sipCommonStatusCodeNotifCallId, `Call-ID: ${res.headers.get('Call-ID') ?? ''}`),
        { oid: [...NOTIF_OBJECT.sipCommonStatusCodeNotifCSeq, 0], type: VarType.Gauge32, value: Number(/^\s*(\d+)/.exec(res.headers.get('CSeq') ?? '')?.[1] ?? 0) % 2 ** 32 },
        this.counterVb(row, 3),
        this.counterVb(row, 4),
      ]);
      if (row.emitMode === EmitMode.oneShot) row.emitMode = EmitMode.triggered;
    }
    this.threshold(row, dir, now);
  }

  /** Threshold notifications: more than `thresh` responses within `interval` seconds, once per window and direction. */
  private threshold(row: CodeRow, dir: 'in' | 'out', now: number): void {
    const w = row.window;
    if (now - w.start >= row.interval * 1000) Object.assign(w, { start: now, in: 0, out: 0, sentIn: false, sentOut: false });
    if (!row.notifSend) return;
    if (dir === 'in' && ++w.in > row.thresh && !w.sentIn) {
      w.sentIn = true;
      this.send(NOTIFICATION.sipCommonStatusCodeThreshExceededInNotif, [this.counterVb(row, 3)]);
    } else if (dir === 'out' && ++w.out > row.thresh && !w.sentOut) {
      w.sentOut = true;
      this.send(NOTIFICATION.sipCommonStatusCodeThreshExceededOutNotif, [this.counterVb(row, 4)]);
    }
  }

  private index(row: CodeRow): number[] {
    return [APPL_INDEX, ...stringIndex(row.method), row.code];
  }

  private counterVb(row: CodeRow, column: 3 | 4): Varbind {
    return { oid: [...ENTRY.sipCommonStatusCodeEntry, column, ...this.index(row)], type: VarType.Counter32, value: (column === 3 ? row.ins : row.outs) % 2 ** 32 };
  }

  private text(oid: number[], s: string): Varbind {
    return { oid: [...oid, 0], type: VarType.OctetString, value: Buffer.from(s.slice(0, 255), 'utf8') };
  }

  /** A notification with the sequence number and applIndex RFC 4780 puts first in each. */
  send(trap: number[], varbinds: Varbind[]): void {
    this.seq = this.seq >= 2147483647 ? 1 : this.seq + 1;
    this.notify(trap, [
      { oid: [...NOTIF_OBJECT.sipCommonNotifSequenceNumber, 0], type: VarType.Gauge32, value: this.seq },
      { oid: [...NOTIF_OBJECT.sipCommonNotifApplIndex, 0], type: VarType.Gauge32, value: APPL_INDEX },
      ...varbinds,
    ]);
  }

  private parseIndex(index: number[]): { method: string; code: number } | undefined {
    if (index[0] !== APPL_INDEX) return undefined;
    const s = readStringIndex(index.slice(1));
    if (!s || s.rest.length !== 1 || !METHOD.test(s.text)) return undefined;
    const code = s.rest[0];
    return code >= 100 && code <= 999 ? { method: s.text, code } : undefined;
  }

  private listRows(): Iterable<{ index: number[]; row: CodeRow }> {
    return [...this.rows.values()].map((row) => ({ index: this.index(row), row }));
  }

  /** sipCommonStatusCodeTable: counts, RowStatus (createAndGo / destroy), discontinuity. */
  table(): TableDef<CodeRow> {
    const rowStatus: ColumnDef<CodeRow> = {
      sub: 5,
      get: () => cell.integer(RowStatus.active),
      set: (row, index, vb): SetPlan | number => {
        if (vb.type !== VarType.Integer) return SetError.wrongType;
        const v = vb.value as number;
        if (v === RowStatus.active) return row ? noop : SetError.inconsistentValue;
        if (v === RowStatus.destroy) {
          if (!row) return noop;
          const key = StatusCodes.key(row.method, row.code);
          return { commit: () => this.rows.delete(key), undo: () => this.rows.set(key, row) };
        }
        if (v !== RowStatus.createAndGo) return SetError.wrongValue; // createAndWait and notInService are not supported (RFC 4780 compliance)
        if (row) return SetError.inconsistentValue;
        const at = this.parseIndex(index);
        if (!at) return SetError.noCreation;
        if (this.rows.size >= MAX_CODE_ROWS) return SetError.resourceUnavailable;
        return { commit: () => void this.add(at.method, at.code, Date.now()), undo: () => this.rows.delete(StatusCodes.key(at.method, at.code)) };
      },
    };
    return {
      entry: ENTRY.sipCommonStatusCodeEntry,
      rows: () => this.listRows(),
      columns: [
        { sub: 3, get: (r) => cell.counter(r.ins) },
        { sub: 4, get: (r) => cell.counter(r.outs) },
        rowStatus,
        { sub: 6, get: (r) => cell.ticks(this.upTimeAt(r.createdAt)) },
      ],
    };
  }

  /** sipCommonStatusCodeNotifTable (AUGMENTS the table above): notification controls. */
  notifTable(): TableDef<CodeRow> {
    const setter = (apply: (r: CodeRow, v: number) => void, ok: (v: number) => boolean, type: number) => (row: CodeRow | undefined, _index: number[], vb: Varbind): SetPlan | number => {
      if (!row) return SetError.noCreation;
      if (vb.type !== type) return SetError.wrongType;
      const v = vb.value as number;
      if (!ok(v)) return SetError.wrongValue;
      const before = { ...row, window: { ...row.window } };
      return { commit: () => apply(row, v), undo: () => Object.assign(row, before) };
    };
    return {
      entry: ENTRY.sipCommonStatusCodeNotifEntry,
      rows: () => this.listRows(),
      columns: [
        { sub: 1, get: (r) => cell.truth(r.notifSend), set: setter((r, v) => (r.notifSend = v === 1), (v) => v === 1 || v === 2, VarType.Integer) },
        { sub: 2, get: (r) => cell.integer(r.emitMode), set: setter((r, v) => (r.emitMode = v), (v) => v === EmitMode.normal || v === EmitMode.oneShot, VarType.Integer) },
        { sub: 3, get: (r) => cell.unsigned(r.thresh), set: setter((r, v) => (r.thresh = v), () => true, VarType.Gauge32) },
        { sub: 4, get: (r) => cell.unsigned(r.interval), set: setter((r, v) => (r.interval = v), (v) => v >= 1, VarType.Gauge32) },
      ],
    };
  }
}

const noop: SetPlan = { commit: () => undefined, undo: () => undefined };
