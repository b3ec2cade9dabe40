// One-shot digests for the hot path (loop hashes, branches, stateless tags).
// crypto.hash skips the Hash object createHash needs; it exists from Node 20.12, so on
// an older Node 20 the same digest is made the long way.
import * as crypto from 'node:crypto';
import type { BinaryToTextEncoding } from 'node:crypto';

type OneShot = (algorithm: string, data: string, encoding: BinaryToTextEncoding) => string;

const native = (crypto as { hash?: OneShot }).hash;

/** The same digest through a Hash object (any Node). */
export const digestWithHashObject: OneShot = (algorithm, data, encoding) => crypto.createHash(algorithm).update(data).digest(encoding);

/** The digest of a text, encoded (hex, base64url…). */
export const digestOf: OneShot = native ?? digestWithHashObject;
