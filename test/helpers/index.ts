// Test helpers: ports, tools, temporary ServerRoots, sipp, bounded waits.
export * from './paths.js';
export * from './ports.js';
export * from './tools.js';
export * from './run.js';
export * from './serverroot.js';
export * from './sipp.js';
export * from './udp.js';
