// View-based access control (RFC 3415) built from snmpd.cnf, plus the community table
// (RFC 3584 snmpCommunityTable) that turns a v1/v2c community into a securityName.
//
// isAccessAllowed follows RFC 3415 §3.2: securityToGroup → group (else noGroupName);
// vacmAccessTable row for group/context/model/level, best match per §4 (else noAccessEntry);
// the view for the operation (empty or undefined name → noSuchView); the OID against the
// view's families (longest matching subtree wins; masks per vacmViewTreeFamilyMask).
// A view named `All` that the file does not define is the whole internet subtree
// (1.3.6.1 included), as CIAgent's shipped configuration assumes.
//
// Steps 1-3 (group, access entry, view name) depend only on the security model, security
// name, level, context and view type, not on the OID, so their outcome is cached: a walk
// asks once per instance. A Vacm is built from one snmpd.cnf load and never changes (the
// VACM tables are not writable over SNMP); a reload builds a new Vacm, whose cache starts
// empty. invalidate() is there for any future in-place change.
import type { AccessPolicy, AccessResult, RequestSecurity, ViewType } from './net-snmp/index.js';
import { oidToAddress } from './net-snmp/index.js';
import type { AccessEntry, SecLevel, SnmpdConfig, ViewEntry } from './cnf/snmpd-cnf.js';

const LEVEL_RANK: Record<SecLevel, number> = { noAuthNoPriv: 1, authNoPriv: 2, authPriv: 3 };
const MODEL_NAME = { v1: 'snmpv1', v2c: 'snmpv2c', usm: 'usm' } as const;

interface Family {
  subtree: number[];
  mask: number[];
  included: boolean;
}

function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) return NaN;
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** The view's families for a (security, context, view type), or why there are none. */
type Decision = Family[] | Exclude<AccessResult, 'allowed' | 'notInView'>;

export class Vacm implements AccessPolicy {
  private readonly groups = new Map<string, string>();
  private readonly access: AccessEntry[];
  private readonly views = new Map<string, Family[]>();
  private readonly communities: SnmpdConfig['communities'];
  private readonly targets: SnmpdConfig['targets'];
  /** (model, securityName, level, context, viewType) → the view's families, or why there are none. */
  private readonly decisions = new Map<string, Decision>();
  private last: (Pick<RequestSecurity, 'model' | 'securityName' | 'level' | 'contextName'> & { viewType: ViewType; decision: Decision }) | undefined;
  /** Contexts come from requests: keep the cache bounded whatever managers send. */
  static readonly CACHE_MAX = 1024;
  /** Steps 1-3 actually run (not answered from the cache): for tests and the bench. */
  decisionsComputed = 0;

  constructor(config: SnmpdConfig) {
    for (const g of config.groups) {
      const key = `${g.model}|${g.securityName}`;
      if (!this.groups.has(key)) this.groups.set(key, g.group);
    }
    this.access = config.access;
    for (const v of config.views) this.addFamily(v);
    if (!this.views.has('All')) this.views.set('All', [{ subtree: [1, 3, 6, 1], mask: [], included: true }]);
    this.communities = config.communities;
    this.targets = config.targets;
  }

  private addFamily(v: ViewEntry): void {
    const list = this.views.get(v.view) ?? [];
    list.push({ subtree: oidToAddress(v.subtree), mask: maskBits(v.mask, v.subtree.split('.').length), included: v.type === 'included' });
    this.views.set(v.view, list);
  }

  /** securityName for `community` from `address`, honouring each entry's transport tag. */
  community(community: string, address: string): string | undefined {
    for (const c of this.communities) {
      if (c.community !== community) continue;
      if (c.contextName !== '') continue; // only the default context exists
      if (c.transportTag === '' || this.sourceMatchesTag(address, c.transportTag)) return c.securityName;
    }
    return undefined;
  }

  /** Community to put in notifications sent with `securityName` (reverse community lookup). */
  communityFor(securityName: string): string | undefined {
    return this.communities.find((c) => c.securityName === securityName)?.community;
  }

  private sourceMatchesTag(address: string, tag: string): boolean {
    const src = ipToInt(address.replace(/^::ffff:/, ''));
    for (const t of this.targets) {
      if (!t.tags.includes(tag)) continue;
      const mask = t.tmask ? ipToInt(t.tmask.host) : 0xffffffff;
      if (((src & mask) >>> 0) === ((ipToInt(t.host) & mask) >>> 0)) return true;
    }
    return false;
  }

  groupOf(model: RequestSecurity['model'], securityName: string): string | undefined {
    return this.groups.get(`${MODEL_NAME[model]}|${securityName}`);
  }

  /** RFC 3415 §4: the best vacmAccessEntry for group/context/model/level. */
  selectAccess(group: string, contextName: string, model: RequestSecurity['model'], level: SecLevel): AccessEntry | undefined {
    const candidates = this.access.filter(
      (a) =>
        a.group === group &&
        (a.match === 'exact' ? a.contextPrefix === contextName : contextName.startsWith(a.contextPrefix)) &&
        (a.model === 'any' || a.model === MODEL_NAME[model]) &&
        LEVEL_RANK[a.level] <= LEVEL_RANK[level],
    );
    candidates.sort(
      (x, y) =>
        Number(y.model !== 'any') - Number(x.model !== 'any') ||
        Number(y.contextPrefix === contextName) - Number(x.contextPrefix === contextName) ||
        y.contextPrefix.length - x.contextPrefix.length ||
        LEVEL_RANK[y.level] - LEVEL_RANK[x.level],
    );
    return candidates[0];
  }

  isAccessAllowed(sec: RequestSecurity, viewType: ViewType, oid: string): AccessResult {
    const l = this.last;
    let d: Decision | undefined;
    // A walk asks with the same security for every instance: compare with the last question
    // before building a map key.
    if (l && l.viewType === viewType && l.model === sec.model && l.securityName === sec.securityName && l.level === sec.level && l.contextName === sec.contextName) {
      d = l.decision;
    } else {
      const key = `${sec.model}\u0000${sec.securityName}\u0000${sec.level}\u0000${sec.contextName}\u0000${viewType}`;
      d = this.decisions.get(key);
      if (d === undefined) {
        d = this.decide(sec, viewType);
        if (this.decisions.size >= Vacm.CACHE_MAX) this.decisions.clear();
        this.decisions.set(key, d);
      }
      this.last = { model: sec.model, securityName: sec.securityName, level: sec.level, contextName: sec.contextName, viewType, decision: d };
    }
    return typeof d === 'string' ? d : this.familiesAllow(d, oid);
  }

  /** Forget every cached decision (after a change of groups, access entries or views). */
  invalidate(): void {
    this.decisions.clear();
    this.last = undefined;
  }

  /** RFC 3415 §3.2 steps 1-3: the families of the view for this request, or the error. */
  private decide(sec: RequestSecurity, viewType: ViewType): Decision {
    this.decisionsComputed++;
    const group = this.groupOf(sec.model, sec.securityName);
    if (group === undefined) return 'noGroupName';
    const entry = this.selectAccess(group, sec.contextName, sec.model, sec.level);
    if (!entry) return 'noAccessEntry';
    const viewName = viewType === 'read' ? entry.readView : viewType === 'write' ? entry.writeView : entry.notifyView;
    const families = viewName === '' ? undefined : this.views.get(viewName);
    return !families || families.length === 0 ? 'noSuchView' : families;
  }

  /** allowed | notInView | noSuchView for an OID in a named view. */
  inView(viewName: string, oid: string): AccessResult {
    const families = viewName === '' ? undefined : this.views.get(viewName);
    if (!families || families.length === 0) return 'noSuchView';
    return this.familiesAllow(families, oid);
  }

  private familiesAllow(families: Family[], oid: string): AccessResult {
    let address: number[];
    try {
      address = oidToAddress(oid);
    } catch {
      return 'notInView';
    }
    let best: Family | undefined;
    for (const f of families) {
      if (!familyMatches(f, address)) continue;
      if (!best || f.subtree.length > best.subtree.length || (f.subtree.length === best.subtree.length && compare(f.subtree, best.subtree) > 0)) best = f;
    }
    return best?.included ? 'allowed' : 'notInView';
  }
}

/** Expand the octet mask to one flag per sub-identifier (missing bits are 1s, RFC 3415). */
function maskBits(mask: number[], length: number): number[] {
  const bits: number[] = [];
  for (let i = 0; i < length; i++) {
    const byte = mask[i >> 3];
    bits.push(byte === undefined ? 1 : (byte >> (7 - (i & 7))) & 1);
  }
  return bits;
}

function familyMatches(f: Family, address: number[]): boolean {
  if (address.length < f.subtree.length) return false;
  for (let i = 0; i < f.subtree.length; i++) {
    if ((f.mask[i] ?? 1) === 1 && address[i] !== f.subtree[i]) return false;
  }
  return true;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
