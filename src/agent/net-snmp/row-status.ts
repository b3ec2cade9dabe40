// RowStatus (RFC 2579) on net-snmp's tables. Defect 3 of docs/net-snmp-defects.md (second half):
// after createAndGo/createAndWait the library stores the requested value, so the new row read
// back as createAndGo(4) instead of active(1)/notInService(2); installRowStatusCommit fixes that.
// The first half (MIB-built providers never get `rowStatus: true`) is fixed in ../mib-store.ts.
// createInForeignIndexedTables: the library's row create cannot handle a table indexed by
// another table's column (RFC 2578 §7.7).
import snmp from 'net-snmp';
import type { Agent, Mib, MibRequest, RawProvider } from 'net-snmp';
import { oidToAddress } from './oid.js';
import type { IndexValue } from '../mib-module.js';

// net-snmp answers createAndGo/createAndWait by storing the requested value itself (4/5), so
// the new row reads back as createAndGo. RFC 2579: the row is then active(1) or
// notInService(2). Every table provider with a RowStatus column gets a handler wrapper that
// stores the resulting state at commit.
export function installRowStatusCommit(mib: Mib): void {
  const register = mib.registerProvider.bind(mib);
  mib.registerProvider = (provider: RawProvider) => {
    const rowStatus = provider.tableColumns?.find((c) => c.rowStatus)?.number;
    if (rowStatus !== undefined) {
      const inner = provider.handler;
      provider.handler = (req: MibRequest) => {
        if (req.operation === snmp.PduType.SetRequest && !req.testSet && req.instanceNode?.getTableColumnFromInstanceNode() === rowStatus) {
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

/**
 * net-snmp's RowStatus create (tryCreateInstance) checks the createHandler's row against
 * the table's own column count and types it by position, so creating a row in a table
 * indexed by another table's column (foreign values lead the row) threw. Such tables are
 * created here; every other table keeps the library's path.
 */
export function createInForeignIndexedTables(agent: Agent, mib: Mib): void {
  const raw = agent as unknown as { tryCreateInstance(vb: { oid: string; value: unknown }, pduType: number): unknown };
  const library = raw.tryCreateInstance.bind(raw);
  const Mib = mib.constructor as unknown as { getRowIndexFromOid(oid: string, index: unknown): IndexValue[] };
  raw.tryCreateInstance = (vb, pduType) => {
    const p = mib.getAncestorProviderFromOid(vb.oid);
    if (!p || p.type !== snmp.MibProviderType.Table || !p.tableIndex?.some((i) => i.foreign)) return library(vb, pduType);
    const rest = vb.oid.slice(p.oid.length + 1).split('.');
    const column = Number(rest.shift());
    const action = vb.value === snmp.RowStatus.createAndGo ? 'createAndGo' : vb.value === snmp.RowStatus.createAndWait ? 'createAndWait' : undefined;
    if (pduType !== snmp.PduType.SetRequest || !action || !p.createHandler || !p.tableColumns?.find((c) => c.number === column)?.rowStatus) return undefined;
    let index: IndexValue[];
    try {
      index = Mib.getRowIndexFromOid(rest.join('.'), p.tableIndex);
    } catch {
      return undefined; // not an index of this table: noSuchInstance / noCreation
    }
    const row = p.createHandler({ provider: p, action, row: index });
    if (!Array.isArray(row)) return undefined;
    mib.addTableRow(p.name, row);
    return { instanceNode: mib.lookup(oidToAddress(vb.oid)), providerType: p.type, action, rowIndex: index, row };
  };
}
