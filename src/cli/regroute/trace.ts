// sysadmin_sps_regroute -D: wraps a backend so that each database request, the shape of
// its reply and how long it took go to standard error.
import type { DbReply, DbRequest } from '../../server/db-control.js';
import type { Backend } from './backends.js';

/** -D: each request and the shape of its reply on standard error. */
export class TracingBackend implements Backend {
  constructor(private readonly inner: Backend) {}
  get describe(): string {
    return this.inner.describe;
  }
  async run(req: DbRequest): Promise<DbReply> {
    const started = Date.now();
    const reply = await this.inner.run(req);
    const r = reply as { ok: unknown; error?: unknown; size?: unknown };
    const outcome = r.ok === true ? `ok${typeof r.size === 'number' ? ` (${r.size} entries)` : ''}` : `error: ${String(r.error)}`;
    process.stderr.write(`sysadmin_sps_regroute: ${this.inner.describe} <- ${JSON.stringify(req).slice(0, 300)} -> ${outcome} in ${Date.now() - started} ms\n`);
    return reply;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
