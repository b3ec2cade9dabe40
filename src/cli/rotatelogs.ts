// rotatelogs: the program named in ErrorLog "|…/bin/rotatelogs logfile 86400" and
// CustomLog "|…" lines. See src/logging/rotatelogs.ts for what it does.
//
// Exit status: 0 at end of input (or on SIGTERM/SIGINT, after writing what it has),
// 1 on bad arguments, 2 when the log file cannot be opened or written.

import { ROTATELOGS_USAGE, Rotator, parseRotatelogsArgs } from '../logging/rotatelogs.js';
import { versionText } from '../common/install.js';

function main(): void {
  // --help and --version come first, where only options may stand (a log file name there
  // cannot start with '-').
  const first = process.argv[2];
  if (first === '--help' || first === '-h' || first === '--version') {
    process.stdout.write(first === '--version' ? versionText('rotatelogs') : ROTATELOGS_USAGE);
    process.exit(0);
  }
  const parsed = parseRotatelogsArgs(process.argv.slice(2));
  if (!parsed.ok) {
    process.stderr.write(`rotatelogs: ${parsed.error}\n\n${ROTATELOGS_USAGE}`);
    process.exit(1);
  }
  const rotator = new Rotator(parsed.args);
  const fail = (err: unknown): never => {
    process.stderr.write(`rotatelogs: ${(err as Error).message}\n`);
    process.exit(2);
  };
  const finish = (): void => {
    try {
      rotator.end();
    } catch (err) {
      fail(err);
    }
  };

  process.stdin.on('data', (chunk: Buffer) => {
    try {
      rotator.write(chunk);
    } catch (err) {
      fail(err);
    }
  });
  process.stdin.on('end', () => {
    finish();
    process.exitCode = 0;
  });
  process.stdin.on('error', (err) => {
    process.stderr.write(`rotatelogs: reading standard input: ${err.message}\n`);
    finish();
    process.exit(2);
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      finish();
      process.exit(0);
    });
  }
  // The server's terminal going away is no reason to stop: carry on until end of input.
  process.on('SIGHUP', () => {});
}

main();
