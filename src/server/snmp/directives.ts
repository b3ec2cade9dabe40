// AgentXSocket: sipd as an AgentX subagent of ciagent, serving the SIP MIB (RFC 4780).
import { directivesFor, expectArgs } from '../../config/define.js';
import type { Arg, ValuesOf } from '../../config/spec.js';
import { ValueError } from '../../config/spec.js';
import { parseAgentxAddress } from '../../common/agentx/address.js';
import type { AgentxAddress } from '../../common/agentx/address.js';

const d = directivesFor('snmp', 'server-core');

export const snmpDirectives = [
  d.custom('AgentXSocket', {
    type: 'path | tcp:HOST:PORT',
    valid: 'an absolute Unix socket path (optionally unix:PATH), or tcp:HOST:PORT; Off to not connect',
    default: undefined as AgentxAddress | undefined,
    defaultText: 'Off',
    repeat: false,
    example: ['AgentXSocket /usr/local/sip/data/agentx', 'AgentXSocket tcp:127.0.0.1:705'],
    doc: 'Our addition: the AgentX socket of the SNMP agent (ciagent --agentx). When set, sipd connects to it as a subagent and serves the SIP MIB of RFC 4780 (SIP-COMMON-MIB, SIP-SERVER-MIB, the applTable row and OPENSPS-SIP-MIB) from its live counters; when the agent restarts, sipd registers again by itself. Off (the default): sipd serves no SNMP objects. A graceful restart applies a change.',
    parse: (args: readonly Arg[]) => {
      expectArgs(args, 1, 1, 'path or tcp:HOST:PORT');
      if (/^off$/i.test(args[0].text)) return undefined;
      const a = parseAgentxAddress(args[0].text);
      if (typeof a === 'string') throw new ValueError(a, 0);
      return a;
    },
  }),
] as const;

type SnmpValues = ValuesOf<typeof snmpDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends SnmpValues {}
}
