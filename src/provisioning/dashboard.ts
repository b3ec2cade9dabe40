// Dashboard: calls/s, registrations, transactions, CPU and memory over the last hour as
// uPlot charts (web/static/dashboard/charts.js draws them from /api/dashboard), and the
// recent warnings and errors of sipd's error_log.
import type { FastifyInstance } from 'fastify';
import type { PserverDeps } from './deps.js';
import { recentErrors, Sampler, SAMPLE_EVERY_MS } from './metrics.js';
import type { SipdLink } from './sipd-link.js';

const READ = { access: 'read-only' } as const;
const column = { type: 'array', items: { type: ['number', 'null'] } } as const;

/** error_log's file, or undefined when it goes to a pipe or syslog. */
function errorLogFile(deps: PserverDeps): string | undefined {
  const c = deps.config();
  const target = c.values.ErrorLog as { kind: string; path?: string };
  return target.kind === 'file' && target.path ? c.path(target.path) : undefined;
}

export async function dashboardPlugin(app: FastifyInstance, opts: { deps: PserverDeps; link: SipdLink }): Promise<void> {
  const { deps, link } = opts;
  const sampler = new Sampler();
  let sampling = false;
  const sample = async () => {
    if (sampling) return; // a slow sipd must not pile up requests
    sampling = true;
    try {
      sampler.add(await link.ask({ cmd: 'status' }, 5_000));
    } finally {
      sampling = false;
    }
  };
  void sample();
  const timer = setInterval(() => void sample(), SAMPLE_EVERY_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

  const errors = () => {
    const file = errorLogFile(deps);
    return { file: file ?? null, lines: file ? recentErrors(file, 50) : [] };
  };

  app.get('/dashboard', { config: READ, schema: { hide: true } }, async (_req, reply) => reply.page('dashboard/index', 'Dashboard', { errors: errors(), everySeconds: SAMPLE_EVERY_MS / 1000 }));

  const tags = ['dashboard'];
  app.get(
    '/api/dashboard',
    {
      config: READ,
      schema: {
        summary: 'The last hour of samples (every 10 s), column by column: t (seconds since the epoch), calls/s, registrations, transactions, host CPU %, load average, host and sipd memory (MiB); null where sipd did not answer',
        tags,
        response: {
          200: {
            type: 'object',
            properties: {
              t: { type: 'array', items: { type: 'number' } },
              callsPerSecond: column,
              registrations: column,
              transactions: column,
              cpuPercent: column,
              loadAverage: column,
              hostMemoryMiB: column,
              sipdMemoryMiB: column,
            },
          },
        },
      },
    },
    async () => sampler.series(),
  );

  app.get(
    '/api/dashboard/errors',
    { config: READ, schema: { summary: "The last warnings and errors of sipd's error_log (at most 50 lines, from its last 64 KiB)", tags, response: { 200: { type: 'object', properties: { file: { type: ['string', 'null'] }, lines: { type: 'array', items: { type: 'string' } } } } } } },
    async () => errors(),
  );
}
