// Subscribers, Registry and Routes: one pserver feature (src/provisioning/features.ts) whose
// three pages share the list bar, the CSV upload and the stores (csv-upload.ts).
import type { FastifyInstance } from 'fastify';
import type { NavItem } from '../common/web/contract.js';
import type { PserverDeps } from './deps.js';
import { DataAccess, acceptCsvBodies } from './csv-upload.js';
import { registryRoutes } from './registry.js';
import { routeRoutes } from './routes.js';
import { subscriberRoutes } from './subscribers.js';

export const DATA_NAV: readonly NavItem[] = [
  { path: '/subscribers', label: 'Subscribers', access: 'read-only' },
  { path: '/registry', label: 'Registry', access: 'read-only' },
  { path: '/routes', label: 'Routes', access: 'read-only' },
];

export async function dataPlugin(app: FastifyInstance, deps: PserverDeps): Promise<void> {
  const data = new DataAccess(deps);
  app.addHook('onClose', () => data.close());
  acceptCsvBodies(app);
  subscriberRoutes(app, data);
  registryRoutes(app, data);
  routeRoutes(app, data);
}
