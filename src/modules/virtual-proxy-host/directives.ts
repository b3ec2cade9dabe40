// Directives of the virtual-proxy-host module: extra domains (with their own name and
// address) that this server answers for as if it were a separate proxy.
import { directivesFor, parseDomainName, parseHostName, parseIpAddress } from '../../config/define.js';
import type { Arg, ContainerValuesOf, Check } from '../../config/spec.js';

const d = directivesFor('vph', 'virtual-proxy-host');

export const vphContainers = [
  d.container('VirtualProxyHost', {
    id: { kind: 'text' },
    maxCount: 10,
    required: ['Virtual_Proxy_Domain'],
    children: [
      d.optText('Virtual_Proxy_Domain', {
        type: 'domain name',
        context: 'VirtualProxyHost',
        check: (a: Arg) => parseDomainName(a),
        doc: 'Domain this virtual host serves; required, and different from ProxyDomain.',
      }),
      d.optText('Virtual_Proxy_Server_Name', {
        type: 'host name',
        context: 'VirtualProxyHost',
        check: (a: Arg) => parseHostName(a),
        doc: 'Host name that stands for this virtual host; optional, and different from the machine\'s own name.',
      }),
      d.optText('Virtual_Proxy_Server_IP', {
        type: 'IP address',
        context: 'VirtualProxyHost',
        check: (a: Arg) => parseIpAddress(a),
        doc: 'IP address that stands for this virtual host; optional, and different from the machine\'s own address.',
      }),
    ],
    example: [
      '<VirtualProxyHost east>',
      '    Virtual_Proxy_Domain example.org',
      '    Virtual_Proxy_Server_Name sip.example.org',
      '    Virtual_Proxy_Server_IP 192.0.2.10',
      '</VirtualProxyHost>',
    ],
    doc: 'One virtual proxy host, up to 10 of them; the id after the name is a label of your choice. Requests for its domain, name or address are handled as local.',
  }),
] as const;


// The guide (B-29): Virtual_Proxy_Domain must differ from ProxyDomain.
const virtualDomains: Check = (v) =>
  v.VirtualProxyHost.filter((b) => v.ProxyDomain && b.Virtual_Proxy_Domain?.toLowerCase() === v.ProxyDomain.toLowerCase()).map((b) => ({
    directive: 'ProxyDomain',
    message: `<VirtualProxyHost ${b.id}> (line ${b.line}) uses the same domain "${b.Virtual_Proxy_Domain}"; a virtual proxy domain must differ from ProxyDomain`,
  }));

/** Checks across the virtual proxy host blocks, run after the whole file is read. */
export const vphChecks: readonly Check[] = [virtualDomains];

type VphValues = ContainerValuesOf<typeof vphContainers>;
declare module '../../config/values.js' {
  interface ConfigValues extends VphValues {}
}
