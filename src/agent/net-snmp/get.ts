// GET answered from our tree (and subagents' regions) with the VACM read view applied:
// net-snmp's own GET handed its handlers no security name, so no view could apply, and it
// answered objects a view excludes. Exception values follow RFC 3416 §4.2.1.
import snmp from 'net-snmp';
import type { Mib, RawVarbind } from 'net-snmp';
import type { AccessPolicy, RequestSecurity } from './types.js';
import { ExternalError } from './external.js';
import type { ExternalRegion, ExternalView } from './external.js';
import { oidToAddress } from './oid.js';
import { isInstance } from './tree-cache.js';
import { readable, readInstance } from './instance-values.js';
import { addressOf, check, respond } from './pipeline.js';
import type { DecodedMessage, Pipeline } from './pipeline.js';

const { ObjectType, ErrorStatus } = snmp;

export async function answerGet(p: Pipeline, socket: unknown, rinfo: unknown, message: DecodedMessage, sec: RequestSecurity, policy: AccessPolicy | undefined, view?: ExternalView) {
  const { counters, log } = p;
  const out: RawVarbind[] = [];
  const remote: Array<{ region: ExternalRegion; oid: string; at: number }> = [];
  const vbs = message.pdu.varbinds;
  for (let i = 0; i < vbs.length; i++) {
    const oid = vbs[i].oid;
    const access = check(policy, sec, 'read', oid);
    if (access !== 'allowed' && access !== 'notInView') {
      counters.snmpInBadCommunityUses += sec.model === 'usm' ? 0 : 1;
      return respond(p, socket, rinfo, message, [], ErrorStatus.AuthorizationError, i + 1);
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
    out.push(getOne(p.mib, oid));
  }
  if (view && remote.length > 0) {
    try {
      const got = await view.get(remote.map(({ region, oid }) => ({ region, oid })));
      got.forEach((vb, k) => (out[remote[k].at] = { ...vb, oid: remote[k].oid }));
    } catch (e) {
      if (!(e instanceof ExternalError)) throw e;
      log('warn', `GET from a subagent: ${e.message}`);
      return respond(p, socket, rinfo, message, [], e.status, (remote[e.index]?.at ?? 0) + 1);
    }
  }
  respond(p, socket, rinfo, message, out);
}

export function getOne(mib: Mib, oid: string): RawVarbind {
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
