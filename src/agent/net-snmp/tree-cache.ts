// Defect 6 of docs/net-snmp-defects.md: getNext sorts a node's child keys on every
// step, so a 5,000-row table bulkwalked in 5.5 s. Here each node keeps its sorted keys,
// rebuilt only after the tree's shape changed, and the next instance is found by binary search.
import type { Mib, MibNode } from 'net-snmp';

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

export function isInstance(node: MibNode): boolean {
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
