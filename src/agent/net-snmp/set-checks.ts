// SET value checks (RFC 3416 §4.2.5 steps 3 to 6). net-snmp answers badValue, an SNMPv1
// code, for every type, length or value its castSetValue refuses; here a SET varbind gets
// wrongType / wrongLength / wrongValue from the object's SYNTAX before the library's SET runs.
import snmp from 'net-snmp';
import type { Mib, MibNode, RawVarbind } from 'net-snmp';
import { oidToAddress } from './oid.js';
import { isInstance } from './tree-cache.js';

const { ObjectType, ErrorStatus } = snmp;

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
