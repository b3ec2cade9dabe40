// A bounded memo for the pure text parsers (URI, Via, name-addr). One request is read by
// several stages — the parser's grammar checks, transaction matching, the received
// stamp, loop detection, route preprocessing — and each would parse the same header
// value again. With the memo the later readers get the first parse's result.
//
// Results are shared between callers: their types are readonly throughout, and nothing
// may change one (copy it: `{ ...uri, params }`, as the proxy does). They are not
// frozen, as freezing every new result cost more than a tenth of what the memo saves.
// The memo is emptied whenever it reaches its bound, so neither a flood of distinct
// values nor long texts make it grow: it holds at most `max` entries of at most
// MAX_KEY_LENGTH characters (each may keep the header text it was cut from alive, as
// any message still in a transaction does).

/** Longer texts are parsed every time (they are rare and would make the bound loose). */
const MAX_KEY_LENGTH = 512;

export class ParseCache<R> {
  private entries = new Map<string, R>();

  constructor(
    private readonly parse: (text: string) => R,
    private readonly max = 128,
  ) {}

  get(text: string): R {
    const hit = this.entries.get(text);
    if (hit !== undefined) return hit;
    const r = this.parse(text);
    if (text.length <= MAX_KEY_LENGTH) {
      if (this.entries.size >= this.max) this.entries = new Map();
      this.entries.set(text, r);
    }
    return r;
  }
}
