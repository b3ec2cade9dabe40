// The virtual-proxy-host module (guide B-29): <VirtualProxyHost> blocks name more domains
// this server answers for. It contributes no stage: "is this me" (registry/this-server.ts)
// and the registrar read the blocks from the snapshot.
import type { SipdModule } from '../module.js';
import { DIRECTIVES_ONLY } from '../module.js';
import { vphChecks, vphContainers } from './directives.js';

export const virtualProxyHostModule: SipdModule = {
  name: 'virtual-proxy-host',
  sections: [{ id: 'virtual-proxy-host', title: 'Virtual proxy hosts', page: 29, tab: 'Virtual Proxy Host' }],
  directives: [],
  containers: vphContainers,
  checks: vphChecks,
  open: async () => DIRECTIVES_ONLY,
};
