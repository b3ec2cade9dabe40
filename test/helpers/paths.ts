// Where things are when the compiled tests run from dist/test/...
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (install prefix): dist/test/helpers → three levels up. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');
export const BIN = path.join(REPO, 'bin');
