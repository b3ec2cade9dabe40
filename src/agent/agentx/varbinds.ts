// Varbinds between AgentX (RFC 2741 §5.4, ./pdu.ts), net-snmp's request path and the module
// contract (../mib-module.ts), and a subagent's error as an SNMP error-status.
import { ErrorStatus, ObjectType, oidToAddress } from '../net-snmp/index.js';
import type { RawVarbind } from '../net-snmp/index.js';
import type { SnmpType, SnmpValue, Varbind as ModuleVarbind } from '../mib-module.js';
import type { Varbind } from '../../common/agentx/pdu.js';

/** A subagent's res.error as an SNMP error-status (AgentX-only codes become genErr). */
export function snmpStatus(error: number): number {
  return error > 0 && error <= 18 ? error : ErrorStatus.GeneralError;
}

/** Counter64 for net-snmp: the BER content octets (unsigned, minimal). */
export function counter64Buffer(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const b = Buffer.from(hex, 'hex');
  return b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

export function toRawVarbind(vb: Varbind): RawVarbind {
  let value: unknown = vb.value;
  if (Array.isArray(vb.value)) value = vb.value.join('.');
  else if (typeof vb.value === 'bigint') value = counter64Buffer(vb.value);
  return { oid: vb.oid.join('.'), type: vb.type, value };
}

export function fromRawVarbind(vb: RawVarbind): Varbind {
  let value: Varbind['value'] = null;
  const v = vb.value as unknown;
  switch (vb.type) {
    case ObjectType.OID:
      value = String(v).split('.').filter((x) => x !== '').map(Number);
      break;
    case ObjectType.Counter64:
      value = Buffer.isBuffer(v) ? (v.length ? BigInt(`0x${v.toString('hex')}`) : 0n) : BigInt(Number(v ?? 0));
      break;
    case ObjectType.OctetString:
    case ObjectType.Opaque:
      value = Buffer.isBuffer(v) ? v : Buffer.from(String(v ?? ''));
      break;
    case ObjectType.IpAddress:
      value = String(v);
      break;
    case ObjectType.Null:
      value = null;
      break;
    default:
      value = Number(v ?? 0);
  }
  return { oid: oidToAddress(vb.oid), type: vb.type ?? ObjectType.Null, value };
}

const MODULE_TYPE: Record<number, SnmpType> = {
  2: 'Integer', 4: 'OctetString', 5: 'Null', 6: 'OID', 64: 'IpAddress', 65: 'Counter', 66: 'Gauge', 67: 'TimeTicks', 68: 'Opaque', 70: 'Counter64',
};

export function toModuleVarbind(vb: Varbind): ModuleVarbind {
  const raw = toRawVarbind(vb);
  return { oid: raw.oid, type: MODULE_TYPE[vb.type] ?? 'Null', value: (raw.value ?? null) as SnmpValue };
}

