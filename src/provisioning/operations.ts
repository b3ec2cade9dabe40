// Which operation a farm member needs for the file on disk to be what it runs: the guide's
// Required Operation column (red: restart or graceful restart; grey: none). pserver asks
// sipd for the text it loaded (control socket "config") and compares it, directive by
// directive, with the file; each directive's restart class in the schema says whether a
// graceful restart applies it. Once the member has run the operation, the texts agree and
// the mark clears.
import { changes, formatMessage, parseConfig } from '../server/config.js';

export type Operation = 'none' | 'graceful' | 'restart';

export interface Required {
  readonly operation: Operation;
  /** Changed directives a graceful restart applies. */
  readonly graceful: readonly string[];
  /** Changed directives (or ones sipd reports pending) that wait for a full restart. */
  readonly restart: readonly string[];
  /** Why the operation could not be worked out (the file on disk does not load). */
  readonly problem?: string;
}

/** What sipd reports it runs (control socket "config"). */
export interface Running {
  readonly text: string;
  readonly pending: readonly string[];
}

export function requiredOperation(file: string, fileText: string, running: Running): Required {
  const now = parseConfig(fileText, file);
  if (!now.ok) return { operation: 'none', graceful: [], restart: [], problem: `${file} does not load: ${now.errors.map(formatMessage).join('; ')}` };
  const was = parseConfig(running.text, file);
  // sipd loaded it, so it loads unless the schema changed under a running sipd (an upgrade).
  if (!was.ok) return { operation: 'restart', graceful: [], restart: [], problem: 'the running configuration no longer loads with this version: restart sipd' };
  const c = changes(was.config, now.config);
  const restart = [...new Set([...running.pending, ...c.restart])];
  return { operation: restart.length ? 'restart' : c.graceful.length ? 'graceful' : 'none', graceful: c.graceful, restart };
}
