// Dr-Web's pages and their JSON API, one fastify plugin for the web kit (src/common/web/).
// Reading needs read-only; starting and stopping a critical application needs operator;
// changing a trigger's thresholds needs administrator. A start or stop calls the
// critical-application engine's setAdminStatus, exactly what a SET of critAppAdminStatus
// commits (../mibs/critapp/index.ts); a threshold change sets the two cells of
// mteTriggerThresholdTable and applies them as a committed SET does (../mibs/event/index.ts).
// So the page, the API and SNMP give the same result and the same notifications; each
// change is audited under the user's name.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/swagger'; // the schemas' tags and summaries
import type { NavItem } from '../../common/web/contract.js';
import { applView, critAppRows, critAppView, hostView, humanBytes, logRows, thresholdRows } from './sources.js';
import type { DrWebSources, LoadHistory } from './sources.js';

export const DRWEB_NAV: readonly NavItem[] = [
  { path: '/critapp', label: 'Critical Application Monitor', access: 'read-only' },
  { path: '/logs', label: 'Log Monitor', access: 'read-only' },
  { path: '/thresholds', label: 'Event Thresholds', access: 'read-only' },
  { path: '/host', label: 'Host Resources', access: 'read-only' },
  { path: '/applications', label: 'System Applications', access: 'read-only' },
];

export interface DrWebPagesOptions {
  readonly sources: DrWebSources;
  readonly load: LoadHistory;
}

const READ = { access: 'read-only' } as const;
const OPERATE = { access: 'operator' } as const;
const ADMINISTER = { access: 'administrator' } as const;
const INT32 = { min: -2147483648, max: 2147483647 };

const errorSchema = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } as const;
const critAppSchema = {
  type: 'object',
  properties: {
    index: { type: 'integer' }, name: { type: 'string' }, admin: { type: 'string', enum: ['up', 'down'] },
    oper: { type: 'string', enum: ['up', 'down', 'starting', 'stopping'] }, pid: { type: 'integer' },
    lastStart: { type: 'string' }, lastExit: { type: 'string' }, lastExitCode: { type: 'string' },
    restarts: { type: 'integer' }, restartOnExit: { type: 'boolean' },
  },
} as const;
const anyObject = { type: 'object', additionalProperties: true } as const;
const anyArray = { type: 'array', items: anyObject } as const;

type AdminResult = { ok: true; name: string; status: 'up' | 'down' } | { ok: false; code: number; error: string };

/** The one place a web request changes an intended status (the SNMP SET's engine call). */
function setAdmin(req: FastifyRequest, sources: DrWebSources, index: number, status: unknown): AdminResult {
  const engine = sources.critapp();
  if (!engine) return { ok: false, code: 503, error: 'the Critical Application Monitor (critagt) is not running in this agent' };
  if (status !== 'up' && status !== 'down') return { ok: false, code: 400, error: `status must be up or down, not '${String(status)}'` };
  const row = Number.isInteger(index) ? engine.row(index) : undefined;
  if (!row) return { ok: false, code: 404, error: `no critical application with index ${index}` };
  engine.setAdminStatus(index, status);
  req.audit(status === 'up' ? 'critapp start' : 'critapp stop', `${row.name} (critAppProcEntry ${index}): intended status ${status}`);
  return { ok: true, name: row.name, status };
}

type ThresholdResult = { ok: true; rising: number; falling: number } | { ok: false; code: number; error: string };

/** A form field or JSON value as an Integer32, or undefined. */
function int32(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d{1,10}\s*$/.test(v) ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= INT32.min && n <= INT32.max ? n : undefined;
}

/** The one place a web request changes a trigger's thresholds (the SET's path: ../mibs/event/index.ts setThresholds). */
function setThresholds(req: FastifyRequest, sources: DrWebSources, owner: string, name: string, risingIn: unknown, fallingIn: unknown): ThresholdResult {
  if (!sources.events()) return { ok: false, code: 503, error: 'the Event MIB subagent (eventagt) is not running in this agent' };
  const rising = int32(risingIn);
  const falling = int32(fallingIn);
  if (rising === undefined || falling === undefined) return { ok: false, code: 400, error: 'rising and falling must be whole numbers (Integer32)' };
  const t = sources.events()!.getTrigger(owner, name);
  if (!t || !t.test.threshold) return { ok: false, code: 404, error: `no threshold trigger ${owner}/${name}` };
  const were = `${t.threshold.rising}, ${t.threshold.falling}`;
  if (!sources.setThresholds(owner, name, { rising, falling })) return { ok: false, code: 404, error: `no threshold trigger ${owner}/${name}` };
  req.audit('threshold change', `${owner}/${name}: rising ${rising}, falling ${falling} (were ${were})`);
  return { ok: true, rising, falling };
}

export async function drwebPages(app: FastifyInstance, opts: DrWebPagesOptions): Promise<void> {
  const { sources, load } = opts;

  app.get('/', { config: READ }, (_req, reply) => reply.redirect('/critapp'));

  // ---- Critical Application Monitor
  app.get<{ Querystring: { did?: string; row?: string } }>('/critapp', { config: READ }, (req, reply) => {
    const rows = critAppRows(sources);
    const done = rows.find((r) => String(r.index) === req.query.row);
    const message = done && (req.query.did === 'up' || req.query.did === 'down') ? `${done.name}: intended status set to ${req.query.did}.` : '';
    return reply.page('drweb/critapp', 'Critical Application Monitor', {
      rows, message, error: '', running: sources.critapp() !== undefined, counts: sources.critapp()?.counts(),
    });
  });

  app.post<{ Params: { index: string }; Body: { status?: string } }>('/critapp/:index/admin', { config: OPERATE }, (req, reply) => {
    const index = Number(req.params.index);
    const r = setAdmin(req, sources, index, req.body?.status);
    if (r.ok) return reply.redirect(`/critapp?did=${r.status}&row=${index}`, 303);
    reply.code(r.code);
    return reply.page('drweb/critapp', 'Critical Application Monitor', {
      rows: critAppRows(sources), message: '', error: r.error, running: sources.critapp() !== undefined, counts: sources.critapp()?.counts(),
    });
  });

  app.get('/api/critapp', { config: READ, schema: { tags: ['Dr-Web'], summary: 'Critical applications: intended and actual status', response: { 200: { type: 'array', items: critAppSchema } } } }, () =>
    critAppRows(sources),
  );

  app.put<{ Params: { index: string }; Body: { status: string } }>('/api/critapp/:index/admin', {
    config: OPERATE,
    schema: {
      tags: ['Dr-Web'],
      summary: 'Set a critical application\'s intended status: up starts it, down stops it (as a SET of critAppAdminStatus)',
      params: { type: 'object', properties: { index: { type: 'string', pattern: '^[0-9]{1,10}$' } }, required: ['index'] },
      body: { type: 'object', properties: { status: { type: 'string', enum: ['up', 'down'] } }, required: ['status'], additionalProperties: false },
      response: { 200: critAppSchema, '4xx': errorSchema, 503: errorSchema },
    },
  }, (req, reply) => {
    const index = Number(req.params.index);
    const r = setAdmin(req, sources, index, req.body.status);
    if (!r.ok) return reply.code(r.code).send({ error: r.error });
    return critAppView(sources.critapp()!.row(index)!);
  });

  // ---- Log monitor
  app.get('/logs', { config: READ }, (_req, reply) =>
    reply.page('drweb/logs', 'Log Monitor', { rows: logRows(sources), running: sources.logmon() !== undefined, humanBytes }),
  );
  app.get('/api/logs', { config: READ, schema: { tags: ['Dr-Web'], summary: 'Watched log files: size, threshold, matches', response: { 200: anyArray } } }, () => logRows(sources));

  // ---- Event thresholds (hrProcessorLoad)
  app.get<{ Querystring: { saved?: string } }>('/thresholds', { config: READ }, (req, reply) => {
    const saved = thresholdRows(sources).find((t) => `${t.owner}/${t.name}` === req.query.saved);
    return thresholdsPage(reply, saved ? `${saved.owner}/${saved.name}: rising ${saved.rising}, falling ${saved.falling}.` : '');
  });
  app.get('/api/thresholds', { config: READ, schema: { tags: ['Dr-Web'], summary: 'Threshold triggers (rising/falling) and the processors\' load', response: { 200: anyObject } } }, () => ({
    triggers: thresholdRows(sources), processors: hostView(sources).processors,
  }));
  const thresholdsPage = (reply: FastifyReply, message = '', error = '') =>
    reply.page('drweb/thresholds', 'Event Thresholds', {
      rows: thresholdRows(sources), processors: hostView(sources).processors, running: sources.events() !== undefined, message, error,
    });
  app.post<{ Params: { owner: string; name: string }; Body: { rising?: string; falling?: string } }>('/thresholds/:owner/:name', { config: ADMINISTER }, (req, reply) => {
    const r = setThresholds(req, sources, req.params.owner, req.params.name, req.body?.rising, req.body?.falling);
    if (!r.ok) return thresholdsPage(reply.code(r.code), '', r.error);
    return reply.redirect(`/thresholds?saved=${encodeURIComponent(`${req.params.owner}/${req.params.name}`)}`, 303);
  });
  app.put<{ Params: { owner: string; name: string }; Body: { rising: number; falling: number } }>('/api/thresholds/:owner/:name', {
    config: ADMINISTER,
    schema: {
      tags: ['Dr-Web'],
      summary: 'Change a threshold trigger\'s rising and falling values (as a SET of mteTriggerThresholdRising and ...Falling)',
      params: { type: 'object', properties: { owner: { type: 'string', maxLength: 32 }, name: { type: 'string', maxLength: 32 } }, required: ['owner', 'name'] },
      body: {
        type: 'object', additionalProperties: false, required: ['rising', 'falling'],
        properties: { rising: { type: 'integer', minimum: INT32.min, maximum: INT32.max }, falling: { type: 'integer', minimum: INT32.min, maximum: INT32.max } },
      },
      response: { 200: anyObject, '4xx': errorSchema },
    },
  }, (req, reply) => {
    const r = setThresholds(req, sources, req.params.owner, req.params.name, req.body.rising, req.body.falling);
    if (!r.ok) return reply.code(r.code).send({ error: r.error });
    return thresholdRows(sources).find((t) => t.owner === req.params.owner && t.name === req.params.name) ?? {};
  });
  app.get('/api/load', { config: READ, schema: { tags: ['Dr-Web'], summary: 'hrProcessorLoad over the last hour, as uPlot data, with the CPU thresholds', response: { 200: anyObject } } }, () => {
    const cpu = thresholdRows(sources).filter((t) => t.onProcessorLoad && t.active && t.enabled);
    return { ...load.series(), rising: cpu.map((t) => t.rising), falling: cpu.map((t) => t.falling) };
  });

  // ---- Host resources and system applications
  app.get('/host', { config: READ }, (_req, reply) => reply.page('drweb/host', 'Host Resources', { ...hostView(sources), humanBytes }));
  app.get('/api/host', { config: READ, schema: { tags: ['Dr-Web'], summary: 'Processors, memory and storage, system figures', response: { 200: anyObject } } }, () => hostView(sources));
  app.get('/applications', { config: READ }, (_req, reply) => reply.page('drweb/applications', 'System Applications', { ...applView(sources) }));
  app.get('/api/applications', { config: READ, schema: { tags: ['Dr-Web'], summary: 'The installed OpenSPS package and the runs of its programs', response: { 200: anyObject } } }, () => applView(sources));
}
