// The farm's pages as one pserver feature: Farm/Proxies, Proxy Control, Persistent TCP and
// the Dashboard share one link to this host's sipd.
import type { FastifyInstance } from 'fastify';
import { INSTALL_PREFIX } from '../common/install.js';
import { controlPlugin } from './control.js';
import { dashboardPlugin } from './dashboard.js';
import type { PserverDeps } from './deps.js';
import { farmPlugin } from './farm.js';
import { SipdLink, sipScriptOf } from './sipd-link.js';
import { tcpPlugin } from './tcp.js';

export const FARM_NAV = [
  { path: '/farm', label: 'Farm/Proxies', access: 'administrator' },
  { path: '/control', label: 'Proxy Control', access: 'read-only' },
  { path: '/tcp', label: 'Persistent TCP', access: 'read-only' },
  { path: '/dashboard', label: 'Dashboard', access: 'read-only' },
] as const;

export async function farmFeature(app: FastifyInstance, deps: PserverDeps): Promise<void> {
  // The sip script of the installation pserver runs from, whatever ServerRoot its data uses.
  const link = new SipdLink(deps.configFile, () => deps.config(), sipScriptOf(INSTALL_PREFIX));
  const opts = { deps, link };
  await farmPlugin(app, opts);
  await controlPlugin(app, opts);
  await tcpPlugin(app, opts);
  await dashboardPlugin(app, opts);
}
