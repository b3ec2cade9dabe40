// pserver's features in navigation order: one line each. A feature is a fastify plugin
// (src/common/web/contract.ts) given PserverDeps, plus the nav entries it adds.
import type { FastifyPluginAsync } from 'fastify';
import type { NavItem } from '../common/web/contract.js';
import { accountsPlugin } from './accounts-pages.js';
import { FARM_NAV, farmFeature } from './farm-feature.js';
import type { ShellDeps } from './shell.js';
import { DATA_NAV, dataPlugin } from './data.js';

export interface PserverFeature {
  readonly name: string;
  readonly nav: readonly NavItem[];
  // Features other than the shell's take PserverDeps, which ShellDeps extends.
  readonly plugin: FastifyPluginAsync<ShellDeps>;
}

export const FEATURES: readonly PserverFeature[] = [
  {
    name: 'accounts',
    nav: [
      { path: '/account', label: 'My Account', access: 'read-only' },
      { path: '/accounts', label: 'Administrator Accounts', access: 'administrator' },
      { path: '/audit', label: 'Audit Log', access: 'administrator' },
    ],
    plugin: accountsPlugin,
  },
  { name: 'farm', nav: FARM_NAV, plugin: farmFeature },
  { name: 'data', nav: DATA_NAV, plugin: dataPlugin },
];
