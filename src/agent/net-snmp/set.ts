// SET checked before net-snmp's own SET machinery (test/commit, RowStatus) runs: the VACM
// write view (RFC 3413 §3.2), value checks (set-checks.ts), noCreation for objects that do not
// exist and cannot be created (the library answered noError with noSuchObject), and the RFC
// 2741 §7.2.5 two-phase SET with subagents for varbinds in their regions.
import snmp from 'net-snmp';
import type { MibNode, RawVarbind } from 'net-snmp';
import type { AccessPolicy, RequestSecurity } from './types.js';
import type { ExternalRegion, ExternalView } from './external.js';
import { oidToAddress } from './oid.js';
import { isInstance } from './tree-cache.js';
import { checkSetValue } from './set-checks.js';
import { addressOf, check, respond } from './pipeline.js';
import type { DecodedMessage, Pipeline, ResponsePdu } from './pipeline.js';

const { ObjectType, ErrorStatus } = snmp;

const RowStatusCreate = new Set([snmp.RowStatus.createAndGo, snmp.RowStatus.createAndWait]);

export async function answerSet(p: Pipeline, socket: unknown, rinfo: unknown, message: DecodedMessage, sec: RequestSecurity, policy: AccessPolicy | undefined, view?: ExternalView) {
  const { mib, counters } = p;
  const vbs = message.pdu.varbinds;
  // RFC 3416 §4.2.5 step 1 via RFC 3413 §3.2: a varbind outside the write view is
  // noAccess; any other isAccessAllowed failure is authorizationError for the PDU.
  for (let i = 0; i < vbs.length; i++) {
    const access = check(policy, sec, 'write', vbs[i].oid);
    if (access === 'notInView') return respond(p, socket, rinfo, message, [], ErrorStatus.NoAccess, i + 1);
    if (access !== 'allowed') {
      counters.snmpInBadCommunityUses += sec.model === 'usm' ? 0 : 1;
      return respond(p, socket, rinfo, message, [], ErrorStatus.AuthorizationError, i + 1);
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
    if (status !== undefined) return respond(p, socket, rinfo, message, [], status, i + 1);
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
      return respond(p, socket, rinfo, message, [], ErrorStatus.NoCreation, i + 1);
    }
    return respond(p, socket, rinfo, message, [], provider ? ErrorStatus.NotWritable : ErrorStatus.NoCreation, i + 1);
  }
  if (!view || remote.length === 0) return p.librarySet(socket, message, rinfo);

  // RFC 2741 §7.2.5: TestSet everywhere, then (ours: the library's test+commit) CommitSet,
  // UndoSet when a commit fails, CleanupSet in every case.
  const tx = view.set(remote.map(({ region, vb }) => ({ region, vb })));
  const at = (e: { index: number }) => (remote[e.index]?.at ?? 0) + 1;
  const tested = await tx.test();
  if (tested) {
    tx.cleanup();
    return respond(p, socket, rinfo, message, [], tested.status, at(tested));
  }
  if (localAt.length > 0) {
    const local = await new Promise<ResponsePdu>((resolve) => {
      const sub = Object.create(message) as DecodedMessage;
      sub.pdu = Object.create(message.pdu) as DecodedMessage['pdu'];
      sub.pdu.varbinds = localAt.map((i) => vbs[i]);
      p.captured.set(sub, resolve);
      p.librarySet(socket, sub, rinfo);
    });
    if (local.errorStatus) {
      tx.cleanup();
      return respond(p, socket, rinfo, message, [], local.errorStatus, localAt[(local.errorIndex ?? 1) - 1] + 1);
    }
  }
  const committed = await tx.commit();
  if (committed) {
    const undone = await tx.undo();
    tx.cleanup();
    // Our own objects cannot be rolled back once the library committed them.
    const status = undone || localAt.length > 0 ? ErrorStatus.UndoFailed : ErrorStatus.CommitFailed;
    return respond(p, socket, rinfo, message, [], status, at(undone ?? committed));
  }
  tx.cleanup();
  respond(p, socket, rinfo, message, vbs.map((v) => ({ oid: v.oid, type: v.type ?? ObjectType.Null, value: v.value ?? null })));
}
