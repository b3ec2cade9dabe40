// Directives of the GKTMP module: the TCP link to a network application manager (NAM)
// that answers number-portability and 800/900 translation queries.
import { directivesFor, parseHostName, parseIpAddress } from '../../config/define.js';
import type { Arg, ValuesOf } from '../../config/spec.js';
import { TRANSPORTS } from '../../transport/directives.js';

const d = directivesFor('gktmp', 'gktmp');

// Until the GKTMP interface is built, its directives are accepted and reported as having no effect.
const NOT_BUILT = 'GKTMP (NAM server queries) is not built yet: no connection is opened';

export const gktmpDirectives = [
  d.onOff('GktmpConnection', {
    noEffect: NOT_BUILT,
    default: false,
    doc: 'Open a GKTMP connection to the NAM servers below and ask them to translate or locate called numbers.',
  }),
  d.optText('MasterServerHostname', {
    noEffect: NOT_BUILT,
    type: 'host name',
    check: (a: Arg) => parseHostName(a),
    doc: 'Host name of the primary NAM server; used when MasterServerIpAddress is unset.',
  }),
  d.optText('MasterServerIpAddress', {
    noEffect: NOT_BUILT,
    type: 'IP address',
    check: (a: Arg) => parseIpAddress(a),
    doc: 'IP address of the primary NAM server; takes precedence over MasterServerHostname.',
  }),
  d.optInt('MasterServerPort', {
    noEffect: NOT_BUILT,
    min: 1,
    max: 65535,
    doc: 'TCP port of the primary NAM server\'s GKTMP service. No default: set it to the port the NAM listens on.',
  }),
  d.optText('SecondaryServerHostname', {
    noEffect: NOT_BUILT,
    type: 'host name',
    check: (a: Arg) => parseHostName(a),
    doc: 'Host name of the NAM server used while the primary is unreachable.',
  }),
  d.optText('SecondaryServerIpAddress', {
    noEffect: NOT_BUILT,
    type: 'IP address',
    check: (a: Arg) => parseIpAddress(a),
    doc: 'IP address of the secondary NAM server; takes precedence over SecondaryServerHostname.',
  }),
  d.optInt('SecondaryServerPort', {
    noEffect: NOT_BUILT,
    min: 1,
    max: 65535,
    doc: 'TCP port of the secondary NAM server\'s GKTMP service.',
  }),
  d.oneOf('GktmpTransportType', {
    noEffect: NOT_BUILT,
    values: TRANSPORTS,
    default: 'UDP',
    doc: 'Transport put on the routes that GKTMP answers return.',
  }),
] as const;

type GktmpValues = ValuesOf<typeof gktmpDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends GktmpValues {}
}
