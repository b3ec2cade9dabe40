// Server-core directives owned by the RADIUS client shared by accounting, authentication
// and preauthorization: retries, failover and the User-Name attribute.
import { directivesFor } from '../../config/define.js';
import type { ValuesOf } from '../../config/spec.js';

const d = directivesFor('radius', 'server-core');

export const radiusDirectives = [
  d.onOff('RadiusUserNameAttrAddDomain', {
    default: true,
    doc: 'Send User-Name as user@domain, taking the domain from the From header, when that domain is ProxyDomain or one of the Virtual_Proxy_Domain values; other domains are never appended.',
  }),
  d.int('RadiusRetransmissionInterval', {
    default: 2000,
    min: 100,
    max: 60000,
    unit: 'ms',
    doc: 'Wait between two transmissions of the same request to a RADIUS server.',
  }),
  d.int('RadiusRetransmissionCount', {
    default: 2,
    min: 0,
    max: 10,
    doc: 'Retransmissions without an answer after which a RADIUS server is taken as unreachable and the secondary is tried.',
  }),
  d.int('RadiusRetransmissionAfterFailure', {
    default: 0,
    min: 0,
    max: 10,
    doc: 'Retransmissions allowed for a new request while the previous request already failed on every server; 0 gives up on the first timeout until a server answers again.',
  }),
  d.int('RadiusRetryTime', {
    default: 300,
    min: 1,
    max: 86400,
    unit: 'seconds',
    doc: 'How long to stay on the secondary server before trying the primary again after it stopped answering.',
  }),
] as const;

type RadiusValues = ValuesOf<typeof radiusDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends RadiusValues {}
}
