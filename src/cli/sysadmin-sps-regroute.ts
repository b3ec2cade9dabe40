// sysadmin_sps_regroute — the registry and routing databases tool (guide Appendix C).
//
//   sysadmin_sps_regroute [-m routing|registry|both] [-l] [-i file] [-x file] [-p sipd.conf]
//
// With -l, -i or -x it does that and ends (import first, then export, then list);
// otherwise it runs the menu, reading one answer per line from standard input.
//
// Where the data goes: when sipd is running, every request goes over its control socket
// (src/server/db-control.ts), so sipd sees a change on its next request and no two
// processes write the database files. When sipd is stopped, the tool opens the store
// files itself. A running sipd whose socket does not answer is an error: the files are
// never opened behind a running server's back.
//
// Files are CSV (src/modules/routing/csv.ts, src/modules/registry/csv.ts). -x appends,
// as the guide says; each database starts with its header line, so one file can hold
// both and -i with -m both sends each part to its own database.
// Exit status: 0 done, 1 failed (nothing imported on any error), 2 usage.
//
// This file is the program bin/sysadmin_sps_regroute loads; its parts are in src/cli/regroute/:
// options.ts (command line), backends.ts (sipd or the files), trace.ts (-D),
// csv-import.ts (-i), csv-export.ts (-x, -l), menu.ts and main.ts.
import { main } from './regroute/main.js';

export { main };

// Run when started as a program (bin/sysadmin_sps_regroute imports this module).
if (process.argv[1] && /sysadmin[-_]sps[-_]regroute(\.js)?$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`sysadmin_sps_regroute: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
