// What pserver hands each of its features (src/provisioning/features.ts registers them).
// pserver talks to sipd the way an operator does: through sipd.conf, the `sip` control
// script and sipd's control socket; it never imports sipd's running objects.
import type { Logger } from 'winston';
import type { Config } from '../config/loader.js';

export interface PserverDeps {
  /** The sipd.conf pserver reads and edits. */
  readonly configFile: string;
  /** sipd.conf as last loaded; pserver reloads it after every save. */
  config(): Config;
  /** Loads sipd.conf again (after a save, or when it changed on disk). */
  reloadConfig(): Promise<void>;
  /** pserver_log. */
  readonly logger: Logger;
  /** The ServerRoot pserver's data and logs live under (ps.conf's, by default the install prefix). */
  readonly serverRoot: string;
}
