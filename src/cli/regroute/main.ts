// sysadmin_sps_regroute's main: parses the options, loads sipd.conf (it names the database
// files and sipd's pid file), lists the farm (-f, straight from the database), connects,
// then runs -i, -x and -l in that order, or the menu.
// Exit status: 0 done, 1 failed (nothing imported on any error), 2 usage.
import { formatMessage, loadConfigFile } from '../../server/config.js';
import { USAGE, parseArgs } from './options.js';
import { versionText } from '../../common/install.js';
import { connect } from './backends.js';
import type { Backend } from './backends.js';
import { TracingBackend } from './trace.js';
import { importFile } from './csv-import.js';
import { exportFile, listDb } from './csv-export.js';
import { Answers, Menu } from './menu.js';
import { listFarm } from './farm.js';

export async function main(argv: readonly string[], input: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const out = (s: string) => process.stdout.write(s + '\n');
  const opts = parseArgs(argv);
  if (opts === 'help' || opts === 'version') {
    process.stdout.write(opts === 'help' ? `${USAGE}\n` : versionText('sysadmin_sps_regroute'));
    return 0;
  }
  if (typeof opts === 'string') {
    process.stderr.write(`sysadmin_sps_regroute: ${opts}\n${USAGE}\n`);
    return 2;
  }
  const loaded = loadConfigFile(opts.conf);
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(formatMessage(e) + '\n');
    process.stderr.write(`sysadmin_sps_regroute: ${opts.conf} has errors; fix them first (it names the database files and sipd's pid file)\n`);
    return 1;
  }
  let farmOk = true;
  if (opts.farm) {
    farmOk = await listFarm(loaded.config, out, (m) => process.stderr.write(`sysadmin_sps_regroute: ${m}\n`));
    if (!opts.list && opts.importFile === undefined && opts.exportFile === undefined) return farmOk ? 0 : 1;
  }
  let backend: Backend;
  try {
    backend = await connect(loaded.config);
    if (opts.debug) backend = new TracingBackend(backend);
  } catch (e) {
    process.stderr.write(`sysadmin_sps_regroute: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const batch = opts.list || opts.importFile !== undefined || opts.exportFile !== undefined;
    if (!batch) {
      await new Menu(backend, new Answers(input, out), out, opts.dbs).run();
      return 0;
    }
    let ok = true;
    if (opts.importFile !== undefined) ok = await importFile(backend, opts.importFile, opts.dbs, out);
    if (ok && opts.exportFile !== undefined) ok = await exportFile(backend, opts.exportFile, opts.dbs, out);
    if (ok && opts.list) for (const db of opts.dbs) ok = (await listDb(backend, db, undefined, out)) && ok;
    return ok && farmOk ? 0 : 1;
  } finally {
    await backend.close();
  }
}
