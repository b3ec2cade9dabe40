// Writes conf/sipd.conf and docs/directives.md from the directive schema (npm run gen).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { renderDefaultConf, renderDirectiveDocs } from '../server/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
writeFileSync(path.join(root, 'conf/sipd.conf'), renderDefaultConf() + '\n');
writeFileSync(path.join(root, 'docs/directives.md'), renderDirectiveDocs() + '\n');
console.log('wrote conf/sipd.conf and docs/directives.md');
