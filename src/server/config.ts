// sipd's configuration file: the generic loader and renderers of src/config bound to
// sipd's schema (the list in modules.ts). Tools that read sipd.conf import from here.
import { configLoader } from '../config/loader.js';
import { renderDefaultConf as renderConf, renderDirectiveDocs as renderDocs } from '../config/render.js';
import { SIPD_SCHEMA } from './modules.js';

export { formatMessage, noEffectWarning } from '../config/loader.js';
export type { Config, ConfigMessage, LoadOptions, LoadResult, NoEffectUse } from '../config/loader.js';

export const { parseConfig, loadConfigFile, restartPending, gracefulSnapshot, changes } = configLoader(SIPD_SCHEMA);

/** The default conf/sipd.conf (npm run gen). */
export function renderDefaultConf(): string {
  return renderConf(SIPD_SCHEMA);
}

/** docs/directives.md (npm run gen). */
export function renderDirectiveDocs(): string {
  return renderDocs(SIPD_SCHEMA);
}

/** Every top-level directive and every block of sipd.conf, in the list's order. */
export const DIRECTIVES = SIPD_SCHEMA.directives;
export const CONTAINERS = SIPD_SCHEMA.containers;
/** Directive specs (block children included) and blocks by lower-case name. */
export const DIRECTIVE_INDEX = SIPD_SCHEMA.directiveIndex;
export const CONTAINER_INDEX = SIPD_SCHEMA.containerIndex;
