// Checks that involve more than one directive, run after the whole file is read.
// Each names the directive to blame; the loader turns it into file:line.
import type { ConfigValues } from './schema.js';
import type { Origin } from './loader.js';

export interface Problem {
  readonly directive: string;
  readonly message: string;
}
export type Check = (v: ConfigValues, origin: (name: string) => Origin | undefined) => Problem[];

const accessLogFormat: Check = (v) => {
  const problems: Problem[] = [];
  for (const name of ['CustomLog', 'CommonLog'] as const) {
    const setting = v[name];
    if (!setting) continue;
    if (!setting.format.includes('%') && !(setting.format in v.LogFormat)) {
      problems.push({ directive: name, message: `"${setting.format}" is neither a LogFormat nickname nor a format string; known nicknames: ${Object.keys(v.LogFormat).join(', ')}` });
    }
  }
  return problems;
};

export const CHECKS: readonly Check[] = [accessLogFormat];
