// Every MIB module ciagent loads, in start order. To add a module, import it and append it
// to the list; it is started after the ones before it and stopped in reverse order. A
// module whose start() throws is logged and left out; the others still run.
import type { AgentModule } from './module.js';
import { systemModule } from './mibs/system.js';
import { interfacesModule } from './mibs/interfaces.js';
import { hostModule } from './mibs/host.js';
import { sysApplModule } from './mibs/sysappl.js';
import { critAppModule } from './mibs/critapp.js';
import { logModule } from './mibs/log.js';
import { eventModule } from './mibs/event.js';
import { scriptModule } from './mibs/script.js';

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
];
