// Everything sipd is made of, in one list: the core layers that own directives, then
// the feature modules in the order of the proxy's stages (ARCHITECTURE.md "The request
// path"). The loader's schema, the default sipd.conf and docs/directives.md are derived
// from this list, so they cannot drift apart.
import type { DirectiveOwner } from '../config/schema.js';
import { schemaOf } from '../config/schema.js';
import type { ValuesOf } from '../config/spec.js';
import { serverDirectives, serverSections } from './directives.js';
import { loggingChecks, loggingDirectives } from '../logging/directives.js';
import { proxyDirectives } from '../proxy/directives.js';
import { transactionChecks, transactionDirectives } from '../transaction/directives.js';
import { transportChecks, transportDirectives } from '../transport/directives.js';
import { mysqlDirectives } from '../stores/mysql/directives.js';
import { dnsDirectives } from '../modules/dns/directives.js';
import { radiusDirectives } from '../modules/radius/directives.js';
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
import { vphChecks, vphContainers } from '../modules/vph/directives.js';
import { rasContainers, rasDirectives } from '../modules/ras/directives.js';

type MysqlValues = ValuesOf<typeof mysqlDirectives>;
declare module '../config/values.js' {
  interface ConfigValues extends MysqlValues {}
}

/** The core layers, before the modules: their directives open the default sipd.conf. */
export const CORE: readonly DirectiveOwner[] = [
  { name: 'server', sections: serverSections, directives: serverDirectives },
  { name: 'logging', directives: loggingDirectives, checks: loggingChecks },
  { name: 'proxy', directives: proxyDirectives },
  { name: 'transaction', directives: transactionDirectives, checks: transactionChecks },
  { name: 'transport', directives: transportDirectives, checks: transportChecks },
  { name: 'mysql', sections: [{ id: 'mysql', title: 'MySQL subscriber-table interface', page: 13 }], directives: mysqlDirectives },
];

export const MODULES: readonly DirectiveOwner[] = [
  { name: 'vph', sections: [{ id: 'virtual-proxy-host', title: 'Virtual proxy hosts', page: 29 }], directives: [], containers: vphContainers, checks: vphChecks },
  { name: 'dns', directives: dnsDirectives },
  { name: 'radius', directives: radiusDirectives },
  { name: 'accounting', sections: [{ id: 'accounting', title: 'Accounting (RADIUS)', page: 15 }], directives: accountingDirectives },
  { name: 'acl', sections: [{ id: 'access-control', title: 'Access control and trust lists', page: 19 }], directives: aclDirectives },
  { name: 'auth', sections: [{ id: 'authentication', title: 'Authentication and authorization', page: 17 }], directives: authDirectives },
  { name: 'numexp', sections: [{ id: 'number-expansion', title: 'Number expansion', page: 24 }], directives: numexpDirectives, containers: numexpContainers },
  { name: 'callforward', sections: [{ id: 'call-forwarding', title: 'Call forwarding', page: 23 }], directives: callforwardDirectives },
  { name: 'registry', sections: [{ id: 'registry', title: 'Registry services', page: 27 }], directives: registryDirectives },
  { name: 'enum', sections: [{ id: 'enum', title: 'E.164 to Request-URI translation (ENUM)', page: 25 }], directives: enumDirectives },
  { name: 'gktmp', sections: [{ id: 'gktmp', title: 'GKTMP interface', page: 14 }], directives: gktmpDirectives },
  { name: 'routing', sections: [{ id: 'routing', title: 'Next-hop routing', page: 26 }], directives: routingDirectives },
  { name: 'ras', sections: [{ id: 'ras', title: 'H.323 RAS', page: 29 }], directives: rasDirectives, containers: rasContainers },
  { name: 'privacy', sections: [{ id: 'privacy', title: 'Privacy', page: 21 }], directives: privacyDirectives },
  { name: 'rpms', sections: [{ id: 'preauth', title: 'Preauthorization query (RPMS)', page: 22 }], directives: rpmsDirectives },
];

/** sipd.conf's schema: every directive, block and check of the list above. */
export const SIPD_SCHEMA = schemaOf([...CORE, ...MODULES]);
