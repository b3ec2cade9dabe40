// csps_ciagent_ctl start|stop|restart|status [ciagent options…] — init-script style control
// of ciagent. Exit codes as LSB init scripts: 0 ok/running, 1 failed (status: dead but pid
// file exists), 2 usage, 3 not running (status).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { INSTALL_PREFIX, versionText } from '../common/install.js';
import { parseArgs } from './ciagent.js';
import { ciagentPidState, stopCiagent } from '../agent/pid.js';

const USAGE = `Usage: csps_ciagent_ctl start|stop|restart|status [ciagent options, see ciagent --help]
       csps_ciagent_ctl --help | --version`;
const CIAGENT = path.join(INSTALL_PREFIX, 'bin', 'ciagent');

async function main(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === '-h' || action === '--help' || action === '--version') {
    process.stdout.write(action === '--version' ? versionText('csps_ciagent_ctl') : `${USAGE}\n`);
    return 0;
  }
  const a = parseArgs(rest);
  if (typeof a === 'string' || !action) {
    process.stderr.write(`${typeof a === 'string' ? `csps_ciagent_ctl: ${a}\n` : ''}${USAGE}\n`);
    return 2;
  }
  const start = () => spawnSync(process.execPath, [CIAGENT, ...rest], { stdio: 'inherit' }).status ?? 1;
  switch (action) {
    case 'start': {
      if (ciagentPidState(a.pidFile).state === 'running') {
        process.stdout.write('ciagent is already running\n');
        return 0;
      }
      return start();
    }
    case 'stop':
      return (await stopCiagent(a.pidFile)) ? 0 : 1;
    case 'restart':
      if (!(await stopCiagent(a.pidFile))) return 1;
      return start();
    case 'status': {
      const s = ciagentPidState(a.pidFile);
      if (s.state === 'running') {
        process.stdout.write(`ciagent (pid ${s.pid}) is running\n`);
        return 0;
      }
      process.stdout.write(s.state === 'stale' ? 'ciagent is dead but its pid file exists\n' : 'ciagent is stopped\n');
      return s.state === 'stale' ? 1 : 3;
    }
    default:
      process.stderr.write(`csps_ciagent_ctl: unknown action '${action}'\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then((c) => process.exit(c), (e) => {
  process.stderr.write(`csps_ciagent_ctl: ${(e as Error).message}\n`);
  process.exit(1);
});
