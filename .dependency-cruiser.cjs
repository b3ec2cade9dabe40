// The floors of src/ (docs/architecture.md): a file imports from its own floor or
// below, never in a circle. `npm test` runs `depcruise src` with these rules, so a
// violation fails the suite and CI.
//
// From the ground up:
//   0  sip, config, common        parsing, the directive schema machinery, shared helpers
//   1  transport, logging
//   2  transaction
//   3  proxy, stores              the stage contract; store interfaces and implementations
//   4  modules                    one folder per feature
//   5  server, agent, provisioning  sipd's wiring; the SNMP agent and pserver beside it
//   6  cli                        one file per command
//
// Type-only imports count: a type names an idea, and the idea belongs to one floor.
const FLOORS = [
  ['sip', 'config', 'common'],
  ['transport', 'logging'],
  ['transaction'],
  ['proxy', 'stores'],
  ['modules'],
  ['server', 'agent', 'provisioning'],
  ['cli'],
];

const dir = (names) => `^src/(${names.join('|')})/`;

// For each floor: nothing on it may import a higher floor.
const floorRules = FLOORS.slice(0, -1).map((names, i) => ({
  name: `floor-${i}-${names.join('-')}`,
  comment: `${names.join(', ')} sit on floor ${i}: they may import only floors 0-${i}`,
  severity: 'error',
  from: { path: dir(names) },
  to: { path: dir(FLOORS.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles make load order matter and hide which module owns an idea',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...floorRules,
    {
      name: 'agent-beside-sipd',
      comment: 'The agent manages sipd as an operator does (control script, pid file, logs), never through its internals',
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { path: '^src/(server|transport|transaction|proxy|modules|stores|logging|provisioning)/' },
    },
    {
      name: 'pserver-beside-agent',
      comment: 'pserver and the agent are separate programs; what both need (the web kit) sits in src/common/web/',
      severity: 'error',
      from: { path: '^src/provisioning/' },
      to: { path: '^src/agent/' },
    },
    {
      name: 'sipd-knows-no-agent',
      comment: 'sipd runs without the agent',
      severity: 'error',
      from: { path: '^src/(server|transport|transaction|proxy|modules|stores|logging|sip|config|common)/' },
      to: { path: '^src/agent/' },
    },
    {
      name: 'stores-import-no-module',
      comment: 'Store interfaces live in stores/; features use stores, never the other way round',
      severity: 'error',
      from: { path: '^src/stores/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'config-knows-no-feature',
      comment: 'config/ is the schema machinery; each owner declares its own directives',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/(?!config/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
