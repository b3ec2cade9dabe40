// Helpers for the agent tests: Net-SNMP's command-line tools (Debian package "snmp")
// against an agent on 127.0.0.1, always with a time limit.
import { requireTool, run } from '../../helpers/index.js';
import type { RunResult } from '../../helpers/index.js';

export type SnmpTool = 'snmpget' | 'snmpgetnext' | 'snmpbulkget' | 'snmpbulkwalk' | 'snmpwalk' | 'snmpset';

/** Run a tool with numeric output (-On) and no MIB files; 2 s timeout, 1 retry unless args give -t/-r. */
export function snmp(tool: SnmpTool, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  const bin = requireTool(tool, 'snmp');
  const defaults = args.includes('-t') ? [] : ['-t', '2', '-r', '1'];
  return run(bin, ['-m', '', '-On', ...defaults, ...args], timeoutMs);
}

/** `OID = TYPE: value` lines of -On output as [oid, rest] pairs. */
export function lines(out: string): Array<[string, string]> {
  return out
    .split('\n')
    .filter((l) => l.startsWith('.'))
    .map((l) => {
      const i = l.indexOf(' = ');
      return [l.slice(0, i), l.slice(i + 3)] as [string, string];
    });
}
