// Our wrapper around net-snmp's agent, one file per concern; this index is what the rest of
// the agent imports. The defects worked around are numbered in docs/net-snmp-defects.md,
// and each file's header names the ones it fixes:
//   agent.ts           one agent, fixed (default) or as the library ships it (regression tests)
//   receive.ts         per-datagram decode, community → securityName, dispatch (defect 4)
//   get.ts, next.ts    GET / GETNEXT / GETBULK with the VACM read view (defects 1, 2)
//   set.ts             SET checks before the library's SET, two-phase SET with subagents
//   set-checks.ts      wrongType / wrongLength / wrongValue from the object's SYNTAX
//   row-status.ts      RowStatus after create (defect 3), rows of foreign-indexed tables
//   tree-cache.ts      sorted child keys cached per node (defect 6)
//   octet-strings.ts   binary OCTET STRINGs kept as Buffers on SET
//   instance-values.ts live values through provider hooks; MAX-ACCESS
//   external.ts        subtrees answered by AgentX subagents
//   read.ts            the agent reading its own tree and the subagents' (Event MIB samples)
//   oid.ts, types.ts, pipeline.ts  OIDs as numbers, shared types, request-path state
export * from './types.js';
export * from './external.js';
export * from './oid.js';
export { createNetSnmpAgent } from './agent.js';
export { readThrough, walkThrough } from './read.js';
export type { NetSnmpAgent } from './agent.js';
export { installTreeCache, nextInstance, nextInstanceAfterNode } from './tree-cache.js';
export { setProviderHooks, readInstance } from './instance-values.js';
export type { ProviderHooks } from './instance-values.js';
export { checkSetValue, SET_ERROR_STATUS } from './set-checks.js';
export { createInForeignIndexedTables } from './row-status.js';
export { keepBinaryOctetStrings } from './octet-strings.js';
