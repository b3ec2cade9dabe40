// sps_setup's command line: --prefix, --answers, -n, and each answer key as an option.
import path from 'node:path';
import { nearest } from '../../config/suggest.js';
import { INSTALL_PREFIX } from '../../common/install.js';
import { KEYS, normalise } from './questions.js';
import type { Answers, Key } from './questions.js';

export interface Args {
  prefix: string;
  answersFile?: string;
  given: Answers;
  interactive: boolean;
}

export const USAGE = `Usage: sps_setup [--prefix DIR] [--answers FILE] [-n] [--KEY VALUE]...
  Without --answers, -n or KEY options it asks one question per item.
  --prefix DIR     installation to set up (default ${INSTALL_PREFIX})
  --answers FILE   key=value lines; keys: ${KEYS.join(', ')}
  -n               ask nothing: keep previous answers, defaults for the rest
  --KEY VALUE      one answer, e.g. --host-address 10.1.1.9 (- or _ in KEY)
  --help, --version  this text, or the OpenSPS version`;

/** The arguments, 'help' or 'version', or a string saying what is wrong. */
export function parseArgs(argv: readonly string[]): Args | 'help' | 'version' | string {
  const a: Args = { prefix: INSTALL_PREFIX, given: {}, interactive: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0 && arg.startsWith('--')) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    try {
      if (name === '--prefix') a.prefix = path.resolve(value());
      else if (name === '--answers') {
        a.answersFile = path.resolve(value());
        a.interactive = false;
      } else if (name === '-n' || name === '--non-interactive') a.interactive = false;
      else if (name === '-h' || name === '--help') return 'help';
      else if (name === '--version') return 'version';
      else if (name.startsWith('--')) {
        const key = name.slice(2).toLowerCase().replace(/-/g, '_');
        if (!(KEYS as readonly string[]).includes(key)) {
          const near = nearest(key, KEYS);
          return `unknown option ${name}${near ? ` (did you mean --${near.replace(/_/g, '-')}?)` : ''}`;
        }
        a.given[key as Key] = normalise(key as Key, value());
        a.interactive = false;
      } else return `unknown argument "${arg}"`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  return a;
}
