// Every directive and container sipd.conf knows, gathered from their owner modules.
// To add a feature's directives: declare them in the feature's own directives.ts and
// list the array here. Order here is the order of the default sipd.conf and the docs.
import type { AnyContainer, AnyDirective, ContainerValuesOf, ValuesOf } from './spec.js';
import { serverDirectives } from '../server/directives.js';
import { loggingDirectives } from '../logging/directives.js';
import { proxyDirectives } from '../proxy/directives.js';
import { transactionDirectives } from '../transaction/directives.js';
import { transportDirectives } from '../transport/directives.js';
import { dnsDirectives } from '../modules/dns/directives.js';
import { radiusDirectives } from '../modules/radius/directives.js';
import { mysqlDirectives } from '../stores/mysql/directives.js';
import { gktmpDirectives } from '../modules/gktmp/directives.js';
import { accountingDirectives } from '../modules/accounting/directives.js';
import { authDirectives } from '../modules/auth/directives.js';
import { aclDirectives } from '../modules/acl/directives.js';
import { privacyDirectives } from '../modules/privacy/directives.js';
import { rpmsDirectives } from '../modules/rpms/directives.js';
import { callforwardDirectives } from '../modules/callforward/directives.js';
import { numexpContainers, numexpDirectives } from '../modules/numexp/directives.js';
import { enumDirectives } from '../modules/enum/directives.js';
import { routingDirectives } from '../modules/routing/directives.js';
import { registryDirectives } from '../modules/registry/directives.js';
import { vphContainers } from '../modules/vph/directives.js';
import { rasContainers, rasDirectives } from '../modules/ras/directives.js';

export const DIRECTIVES = [
  ...serverDirectives,
  ...loggingDirectives,
  // server core (transportDirectives ends with the TLS section)
  ...proxyDirectives,
  ...transactionDirectives,
  ...transportDirectives,
  ...dnsDirectives,
  ...radiusDirectives,
  // standard modules, in the guide's order
  ...mysqlDirectives,
  ...gktmpDirectives,
  ...accountingDirectives,
  ...authDirectives,
  ...aclDirectives,
  ...privacyDirectives,
  ...rpmsDirectives,
  ...callforwardDirectives,
  ...numexpDirectives,
  ...enumDirectives,
  ...routingDirectives,
  ...registryDirectives,
  ...rasDirectives,
] as const;

export const CONTAINERS = [...numexpContainers, ...vphContainers, ...rasContainers] as const;

export type ConfigValues = ValuesOf<typeof DIRECTIVES> & ContainerValuesOf<typeof CONTAINERS>;

/** Directive specs by lower-case name (names are case-insensitive). */
export const DIRECTIVE_INDEX: ReadonlyMap<string, AnyDirective> = new Map(
  (DIRECTIVES as readonly AnyDirective[]).concat((CONTAINERS as readonly AnyContainer[]).flatMap((c) => [...c.children])).map((s) => [s.name.toLowerCase(), s]),
);
export const CONTAINER_INDEX: ReadonlyMap<string, AnyContainer> = new Map((CONTAINERS as readonly AnyContainer[]).map((c) => [c.name.toLowerCase(), c]));
