// Where sysadmin_sps_regroute's database requests go: the shared backend of
// src/server/db-backend.ts (sipd's control socket, or the files when sipd is stopped),
// with the stores' warnings on standard error.
import type { Config } from '../../config/loader.js';
import { connectDb } from '../../server/db-backend.js';
import type { Backend } from '../../server/db-backend.js';

export type { Backend };

const log = (level: string, m: string) => {
  if (level === 'error' || level === 'warn') process.stderr.write(`sysadmin_sps_regroute: ${m}\n`);
};

/** The running sipd of this configuration, or the files when it is stopped. */
export function connect(config: Config): Promise<Backend> {
  return connectDb(config, log);
}
