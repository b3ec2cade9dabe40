// Reading one instance's value as the request path answers it: the provider's live hook
// (a module's `get`, ../core.ts) applied over the stored value, and the MAX-ACCESS check.
// net-snmp calls handlers only for GET, one varbind at a time; walks (defects 1, 2, 6 of
// docs/net-snmp-defects.md, fixed in next.ts) read values here without a handler round.
import snmp from 'net-snmp';
import type { Mib, MibNode, RawProvider } from 'net-snmp';

/** Per-provider hooks the context layer attaches (live values for reads). */
export interface ProviderHooks {
  /** Live value of one instance; `node` is the instance node (value = stored value). */
  read?: (node: MibNode, provider: RawProvider) => unknown;
}
const HOOKS = Symbol('opensps.hooks');
export function setProviderHooks(provider: RawProvider, hooks: ProviderHooks): void {
  Object.defineProperty(provider, HOOKS, { value: hooks, enumerable: false, configurable: true, writable: true });
}
function providerHooks(provider: RawProvider | undefined): ProviderHooks | undefined {
  return provider ? (provider as unknown as Record<symbol, ProviderHooks | undefined>)[HOOKS] : undefined;
}


/** Read an instance's current value, applying the provider's live hook. */
export function readInstance(mib: Mib, node: MibNode): { type: number; value: unknown } | undefined {
  const providerNode = node.getAncestorProvider();
  const provider = providerNode?.provider;
  if (!provider) return undefined;
  const hook = providerHooks(provider)?.read;
  let value = node.value;
  if (hook) {
    try {
      const live = hook(node, provider);
      if (live !== undefined) value = live;
    } catch {
      // A failing module hook answers the stored value rather than failing the request.
    }
  }
  if (value === undefined || value === null) return undefined;
  return { type: node.valueType ?? snmp.ObjectType.Null, value };
}

function maxAccessOf(provider: RawProvider, node: MibNode): number {
  if (provider.type === snmp.MibProviderType.Scalar) return provider.maxAccess ?? 0;
  const column = node.getTableColumnFromInstanceNode();
  const def = provider.tableColumns?.find((c) => c.number === column);
  return def?.maxAccess ?? 0;
}

export function readable(provider: RawProvider, node: MibNode): boolean {
  return maxAccessOf(provider, node) >= snmp.MaxAccess['read-only'];
}
