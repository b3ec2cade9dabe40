// The notices for configuration lines that sipd accepts but does not act on (an unbuilt
// feature, a process-pool directive, a DebugFlag with no output). Written at start and
// again after each graceful restart, so a line added to the file is reported either way.
import type { Config } from '../config/loader.js';
import type { ErrorLog } from '../logging/index.js';

/** One notice per directive or block kind that `c` sets without effect, naming its last line. */
export function logNoEffect(log: Pick<ErrorLog, 'notice'>, c: Config): void {
  const last = new Map(c.noEffect.map((u) => [u.name, u]));
  for (const u of last.values()) log.notice(`${u.name} (${u.file}:${u.line}) has no effect: ${u.reason}`);
}
