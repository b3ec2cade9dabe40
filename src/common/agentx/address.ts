// Where an AgentX master listens (ciagent --agentx) or a subagent connects (sipd.conf AgentXSocket):
// a Unix socket path, or tcp:HOST:PORT. One parser, so both ends accept the same spellings.
import path from 'node:path';

export type AgentxAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** The address, or a message saying what is wrong with the spelling. */
export function parseAgentxAddress(spec: string): AgentxAddress | string {
  const tcp = /^tcp:(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(spec);
  if (tcp) {
    const port = Number(tcp[3]);
    if (port < 1 || port > 65535) return `AgentX address '${spec}': port must be 1-65535`;
    return { kind: 'tcp', host: tcp[1] ?? tcp[2], port };
  }
  if (spec.startsWith('tcp:')) return `AgentX address '${spec}' must be tcp:HOST:PORT or a Unix socket path`;
  const p = spec.startsWith('unix:') ? spec.slice(5) : spec;
  if (!path.isAbsolute(p)) return `AgentX socket '${spec}' must be an absolute path (or tcp:HOST:PORT)`;
  return { kind: 'unix', path: p };
}

export function formatAgentxAddress(a: AgentxAddress): string {
  return a.kind === 'unix' ? a.path : `tcp:${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
