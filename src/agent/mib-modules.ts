// Every MIB module ciagent loads, in start order. To add a module, import it and append it
// to the list; it is started after the ones before it and stopped in reverse order. A
// module whose start() throws is logged and left out; the others still run.
import type { AgentModule } from './mib-module.js';
import { systemModule } from './mibs/system/index.js';
import { interfacesModule } from './mibs/interfaces/index.js';
import { hostModule } from './mibs/host-resources/index.js';
import { sysApplModule } from './mibs/sysappl/index.js';
import { critAppModule } from './mibs/critapp/index.js';
import { logModule } from './mibs/log/index.js';
import { eventModule } from './mibs/event/index.js';
import { scriptModule } from './mibs/script/index.js';
import { farmModule } from './mibs/farm/index.js';

export const AGENT_MODULES: readonly AgentModule[] = [
  systemModule,
  interfacesModule,
  hostModule,
  sysApplModule,
  critAppModule,
  logModule,
  // DISMAN-EVENT samples the objects above, so it starts after them.
  eventModule,
  scriptModule,
  farmModule,
];
