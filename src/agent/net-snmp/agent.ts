// One net-snmp agent, with our fixes (the default) or as the library ships it (`fixes: false`,
// for the regression tests that prove each fix of docs/net-snmp-defects.md is needed and works).
// The fixes are installed on this agent's own objects only, never on the library's classes:
// tree-cache.ts (defect 6), row-status.ts (defect 3), receive.ts (defects 1, 2, 4 and VACM).
import snmp from 'net-snmp';
import type { Agent, Mib } from 'net-snmp';
import type { AccessPolicy, NetSnmpAgentOptions, SnmpCounters } from './types.js';
import { newCounters } from './types.js';
import type { ExternalTree } from './external.js';
import type { AgentInternals } from './pipeline.js';
import { installTreeCache } from './tree-cache.js';
import { installRowStatusCommit } from './row-status.js';
import { installFixedPipeline } from './receive.js';

export interface NetSnmpAgent {
  readonly raw: Agent;
  readonly mib: Mib;
  readonly counters: SnmpCounters;
  readonly fixes: boolean;
  /** Resolves once the UDP socket is bound (rejects on EADDRINUSE etc.). */
  listening: Promise<{ address: string; port: number }>;
  setAccessPolicy(policy: AccessPolicy | undefined): void;
  /** Subtrees answered by other processes (AgentX master); undefined: none. Fixed agent only. */
  setExternalTree(tree: ExternalTree | undefined): void;
  close(): Promise<void>;
}

export function createNetSnmpAgent(options: NetSnmpAgentOptions): NetSnmpAgent {
  const fixes = options.fixes !== false;
  const counters = newCounters();
  const log = options.log ?? (() => undefined);
  let policy = options.access;
  let external: ExternalTree | undefined;
  const agentOptions = {
    port: options.port,
    address: options.address,
    engineID: options.engineID,
    accessControlModelType: snmp.AccessControlModelType.None,
  };
  const errors: Error[] = [];
  const raw = snmp.createAgent(agentOptions, (error) => {
    if (error) {
      errors.push(error);
      log('debug', `net-snmp: ${error.message}`);
    }
  }) as AgentInternals;
  const mib = raw.getMib();
  const listening = waitListening(raw);

  if (fixes) {
    installTreeCache(mib);
    installRowStatusCommit(mib);
    installFixedPipeline(raw, mib, counters, () => policy, () => external, options, log);
  }

  return {
    raw,
    mib,
    counters,
    fixes,
    listening,
    setAccessPolicy(p) {
      policy = p;
    },
    setExternalTree(t) {
      external = t;
    },
    close() {
      return new Promise<void>((resolve) => {
        const sockets = Object.values(raw.listener.sockets ?? {});
        let left = sockets.length;
        if (left === 0) return resolve();
        for (const s of sockets) {
          try {
            s.close(() => {
              if (--left === 0) resolve();
            });
          } catch {
            if (--left === 0) resolve();
          }
        }
      });
    },
  };
}

function waitListening(raw: Agent): Promise<{ address: string; port: number }> {
  const sockets = Object.values(raw.listener.sockets ?? {});
  return Promise.all(
    sockets.map(
      (s) =>
        new Promise<{ address: string; port: number }>((resolve, reject) => {
          const onError = (e: Error) => reject(e);
          s.once('error', onError);
          s.once('listening', () => {
            s.off('error', onError);
            const a = s.address();
            resolve({ address: a.address, port: a.port });
          });
        }),
    ),
  ).then((all) => all[0]);
}
