// Everything sipd is made of, in one list: the core layers that own directives, then
// the feature modules in the order of the proxy's stages (docs/architecture.md "The request
// path"). The loader's schema, the default sipd.conf and docs/directives.md are derived
// from this list, so they cannot drift apart.
import type { DirectiveOwner } from '../config/schema.js';
import { schemaOf } from '../config/schema.js';
import { serverDirectives, serverSections } from './directives.js';
import { loggingChecks, loggingDirectives } from '../logging/directives.js';
import { proxyDirectives } from '../proxy/directives.js';
import { transactionChecks, transactionDirectives } from '../transaction/directives.js';
import { transportChecks, transportDirectives } from '../transport/directives.js';
import { mysqlChecks, mysqlDirectives } from '../stores/mysql/directives.js';
import { snmpDirectives } from './snmp/directives.js';
import type { SipdModule } from '../modules/module.js';
import { virtualProxyHostModule } from '../modules/virtual-proxy-host/index.js';
import { dnsModule } from '../modules/dns/index.js';
import { radiusModule } from '../modules/radius/index.js';
import { accountingModule } from '../modules/accounting/index.js';
import { aclModule } from '../modules/acl/index.js';
import { authModule } from '../modules/auth/index.js';
import { numexpModule } from '../modules/numexp/index.js';
import { callforwardModule } from '../modules/callforward/index.js';
import { registryModule } from '../modules/registry/index.js';
import { enumModule } from '../modules/enum/index.js';
import { gktmpModule } from '../modules/gktmp/index.js';
import { routingModule } from '../modules/routing/index.js';
import { rasModule } from '../modules/ras/index.js';
import { privacyModule } from '../modules/privacy/index.js';
import { rpmsModule } from '../modules/rpms/index.js';

/** The core layers, before the modules: their directives open the default sipd.conf. */
export const CORE: readonly DirectiveOwner[] = [
  { name: 'server', sections: serverSections, directives: serverDirectives },
  { name: 'logging', tab: 'Debug and Logs', directives: loggingDirectives, checks: loggingChecks },
  { name: 'proxy', directives: proxyDirectives },
  { name: 'transaction', directives: transactionDirectives, checks: transactionChecks },
  { name: 'transport', directives: transportDirectives, checks: transportChecks },
  { name: 'snmp', directives: snmpDirectives },
  { name: 'mysql', sections: [{ id: 'mysql', title: 'MySQL subscriber-table interface', page: 13, tab: 'MySQL', switch: 'DB_MySQL' }], directives: mysqlDirectives, checks: mysqlChecks },
];

/**
 * The modules, in stage order. Services others use come first (virtual hosts name who we
 * are, DNS serves the resolver and ENUM, RADIUS serves accounting and authentication);
 * then admission, normalising, the translation chain (call forward unconditional, the
 * registry, ENUM, GKTMP), routing, and the forward hooks (call forwarding before
 * privacy, so privacy sees the Diversion it adds). Within a group of sipd.conf shared by
 * several owners (server-core), this is also the order of their directives.
 */
export const MODULES: readonly SipdModule[] = [
  virtualProxyHostModule,
  dnsModule,
  radiusModule,
  accountingModule,
  aclModule,
  authModule,
  numexpModule,
  callforwardModule,
  registryModule,
  enumModule,
  gktmpModule,
  routingModule,
  rasModule,
  privacyModule,
  rpmsModule,
];

/** sipd.conf's schema: every directive, block and check of the list above. */
export const SIPD_SCHEMA = schemaOf([...CORE, ...MODULES]);
