// sysadmin_sps_regroute's command line: its options, the usage text, and the guide's
// options that OpenSPS has no use for, each refused with the reason (guide Appendix C).
import type { DbName } from '../../server/db-control.js';
import { DEFAULT_CONFIG_FILE } from '../../common/install.js';

export const USAGE = `Usage: sysadmin_sps_regroute [-m routing|registry|both] [-l] [-f] [-i file] [-x file] [-p file]
  -m WHICH  the database: routing (1), registry (2) or both (3, the default)
  -l        list every entry of the database(s)
  -f        list the farm's members from the shared database: state, last heartbeat, version, pid
  -i FILE   import comma-separated entries from FILE (added, or replacing the same entry)
  -x FILE   export the database(s) to FILE as comma-separated entries (appended)
  -p FILE   the sipd.conf of the server (default ${DEFAULT_CONFIG_FILE})
  -D        trace each database request on standard error
  --help    this text; --version: the OpenSPS version
Without -l, -f, -i or -x the tool shows its menu.`;

export interface Options {
  readonly dbs: readonly DbName[];
  readonly list: boolean;
  /** -f: list the farm's members. */
  readonly farm: boolean;
  /** -D: trace each request to sipd or the files on standard error. */
  readonly debug: boolean;
  readonly importFile?: string;
  readonly exportFile?: string;
  readonly conf: string;
}

const NO_PSERVER = 'the tool reaches the running sipd through its control socket (or the database files when sipd is stopped), found from -p sipd.conf; there is no provisioning server or shared memory in between';

/** The guide's pserver and shared-memory options, and why OpenSPS has no use for them. */
const GUIDE_OPTIONS_NOT_NEEDED: Readonly<Record<string, string>> = {
  '-h': NO_PSERVER,
  '-j': NO_PSERVER,
  '-H': NO_PSERVER,
  '-J': NO_PSERVER,
  '-a': NO_PSERVER,
  '-A': NO_PSERVER,
  '-B': NO_PSERVER,
  '-T': NO_PSERVER,
  '-U': NO_PSERVER,
  '-V': NO_PSERVER,
  '-S': 'the routing database is named by Cisco_Routing_Rendezvous_Name in the sipd.conf given with -p',
  '-R': 'the registry database is named by Cisco_Registry_Rendezvous_Name in the sipd.conf given with -p',
  '-L': 'the database directories are Cisco_Routing_Rendezvous_Directory and Cisco_Registry_Rendezvous_Directory in the sipd.conf given with -p',
};

/** Parse the command line: the options, 'help' or 'version', or another string: the usage error. */
export function parseArgs(argv: readonly string[]): Options | string {
  let dbs: DbName[] = ['routing', 'registry'];
  let list = false;
  let farm = false;
  let importFile: string | undefined;
  let exportFile: string | undefined;
  let conf = DEFAULT_CONFIG_FILE;
  let debug = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string | undefined => {
      const v = argv[i + 1];
      if (v === undefined || (v.startsWith('-') && v !== '-')) return undefined;
      i++;
      return v;
    };
    switch (a) {
      case '-m': {
        const v = value()?.toLowerCase();
        if (v === 'routing' || v === '1') dbs = ['routing'];
        else if (v === 'registry' || v === '2') dbs = ['registry'];
        else if (v === 'both' || v === '3') dbs = ['routing', 'registry'];
        else return `-m takes routing (1), registry (2) or both (3)${v === undefined ? '' : `, not "${v}"`}`;
        break;
      }
      case '-l':
      case '-1': // the guide prints -l as -1 in places
        // The guide's "-l file" imported Cisco SPS 2.0 stanza files; that format is not
        // described anywhere we can follow, so it is refused rather than guessed.
        if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('-')) {
          return `-l takes no file here: importing Cisco SPS 2.0 stanza files is not supported; export them as comma-separated entries and use -i ${argv[i + 1]}`;
        }
        list = true;
        break;
      case '-D':
        debug = true;
        break;
      case '-f':
        farm = true;
        break;
      case '-i':
      case '-x':
      case '-p': {
        const v = value();
        if (v === undefined) return `${a} needs a file name`;
        if (a === '-i') importFile = v;
        else if (a === '-x') exportFile = v;
        else conf = v;
        break;
      }
      case '--help': // not -h: the guide's -h names the pserver host (refused below)
        return 'help';
      case '--version':
        return 'version';
      default: {
        const why = GUIDE_OPTIONS_NOT_NEEDED[a];
        if (why) return `${a} is not needed with OpenSPS: ${why}`;
        return `unknown option "${a}"`;
      }
    }
  }
  return { dbs, list, farm, conf, debug, ...(importFile !== undefined && { importFile }), ...(exportFile !== undefined && { exportFile }) };
}
