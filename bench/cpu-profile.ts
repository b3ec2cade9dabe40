// CPU profile of a sipd started by a benchmark: node refuses --cpu-prof in NODE_OPTIONS,
// but accepts --import, so this module starts the V8 profiler in-process and writes a
// .cpuprofile when the process exits. Only a process running bin/sipd is profiled.
//
//   NODE_OPTIONS="--import $PWD/dist/bench/cpu-profile.js" CPU_PROFILE_DIR=/tmp/prof \
//     node dist/bench/sipp-load.js --target sipd --only calls --start 900 --max 900
//   node dist/bench/profile-summary.js /tmp/prof/sipd-<pid>.cpuprofile
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.CPU_PROFILE_DIR;
if (dir && /[/\\]bin[/\\]sipd$/.test(process.argv[1] ?? '')) {
  const session = new Session();
  session.connect();
  // The in-process session answers synchronously, so the profile can be taken in 'exit'.
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, r) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `sipd-${process.pid}.cpuprofile`), JSON.stringify(r.profile));
    });
  });
}
