// Farm/Proxies: the farm's members with the operation each needs, and per tab of Table 2-1
// the directives of sipd.conf as a form generated from the schema. Saving checks the edited
// text as `sipd -t` does and writes it atomically. sipd.conf holds passwords and secrets,
// so the whole page is for administrators.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SIPD_SCHEMA } from '../server/modules.js';
import { readConf, saveConf, textDigest } from './conf-save.js';
import type { SaveError } from './conf-save.js';
import type { PserverDeps } from './deps.js';
import { applyTab, farmTabs, findTab, tabSlug } from './directives-form.js';
import { applyToFarm, canApplyToFarm } from './farm-apply.js';
import type { FarmApplyOutcome } from './farm-apply.js';
import { farmMembers } from './members.js';
import type { SipdLink } from './sipd-link.js';

const ADMIN = { access: 'administrator' } as const;
const tabParam = { type: 'object', required: ['tab'], properties: { tab: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' } } } as const;
const errorSchema = { type: 'object', properties: { error: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, text: { type: 'string' } } } } } } as const;
const requiredSchema = {
  type: 'object',
  properties: { operation: { type: 'string', enum: ['none', 'graceful', 'restart'] }, graceful: { type: 'array', items: { type: 'string' } }, restart: { type: 'array', items: { type: 'string' } }, problem: { type: 'string' } },
} as const;
export const memberSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    local: { type: 'boolean' },
    running: { type: ['boolean', 'null'] },
    pid: { type: 'integer' },
    uptime: { type: 'integer' },
    loadedAt: { type: 'string' },
    counters: { type: 'object', additionalProperties: { type: 'number' } },
    required: requiredSchema,
    note: { type: 'string' },
    state: { type: 'string' },
    version: { type: 'string' },
    heartbeatAgo: { type: 'integer' },
    host: { type: 'string' },
    sip: { type: 'array', items: { type: 'string' } },
  },
} as const;
const fieldSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    kind: { type: 'string' },
    type: { type: 'string' },
    defaultText: { type: 'string' },
    valid: { type: 'string' },
    doc: { type: 'string' },
    restart: { type: 'string' },
    choices: { type: 'array', items: { type: 'string' } },
    value: { type: 'string' },
    dimmedBy: { type: 'string' },
    noEffect: { type: 'string' },
  },
} as const;

interface SaveOutcome {
  readonly ok: boolean;
  readonly changed: readonly string[];
  readonly errors: readonly SaveError[];
  readonly warnings: readonly string[];
  /** "Apply to the whole farm": the push and each member's outcome. */
  readonly farm?: FarmApplyOutcome;
}

const farmOutcomeSchema = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    gen: { type: 'integer' },
    pushed: { type: 'array', items: { type: 'string' } },
    notPushed: { type: 'array', items: { type: 'string' } },
    error: { type: 'string' },
    members: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, state: { type: 'string' }, operation: { type: 'string' }, detail: { type: 'array', items: { type: 'string' } }, line: { type: 'string' } } } },
  },
} as const;

export async function farmPlugin(app: FastifyInstance, opts: { deps: PserverDeps; link: SipdLink }): Promise<void> {
  const { deps, link } = opts;

  /** Apply one tab's values to sipd.conf, check it as sipd -t does and save it. */
  async function save(req: FastifyRequest, slug: string, values: Readonly<Record<string, unknown>>, digest: string | undefined, toFarm = false): Promise<SaveOutcome> {
    const tab = findTab(SIPD_SCHEMA, slug)!;
    const before = readConf(deps.configFile);
    if (digest !== undefined && digest !== textDigest(before)) {
      return { ok: false, changed: [], warnings: [], errors: [{ text: `${deps.configFile} was changed by someone else since this page was shown; reload it and make the change again` }] };
    }
    const edit = applyTab(tab, before, deps.configFile, values);
    if (!edit.changed.length) return { ok: true, changed: [], errors: [], warnings: [] };
    const r = saveConf(deps.configFile, edit.text, textDigest(before));
    if (!r.ok) return { ok: false, changed: edit.changed, errors: r.errors, warnings: [] };
    req.audit('sipd.conf save', `${tab.name}: ${edit.notes.join('; ')}`);
    try {
      await deps.reloadConfig();
    } catch (e) {
      deps.logger.error(`sipd.conf saved but does not reload: ${(e as Error).message}`);
    }
    if (!toFarm) return { ok: true, changed: edit.changed, errors: [], warnings: r.warnings };
    const farm = await applyToFarm(deps, edit.changed, req.webUser?.name ?? '-');
    if (farm.gen !== undefined) req.audit('farm push', `generation ${farm.gen}: ${farm.pushed.join(', ')}; ${farm.members.map((m) => m.line).join('; ')}`);
    return { ok: true, changed: edit.changed, errors: [], warnings: r.warnings, farm };
  }

  async function page(reply: FastifyReply, slug: string, status: number, extra: { outcome?: SaveOutcome; posted?: Readonly<Record<string, unknown>> } = {}): Promise<FastifyReply> {
    const text = readConf(deps.configFile);
    const tabs = farmTabs(SIPD_SCHEMA, text);
    const tab = tabs.find((t) => t.slug === slug)!;
    const byField = new Map<string, string[]>();
    for (const e of extra.outcome?.errors ?? []) if (e.field) byField.set(e.field, [...(byField.get(e.field) ?? []), e.text]);
    // After a refused save the form shows what was typed, not the file's value.
    const fields = tab.fields.map((f) => ({ ...f, value: !extra.outcome?.ok && typeof extra.posted?.[f.name] === 'string' ? (extra.posted[f.name] as string) : f.value, errors: byField.get(f.name) ?? [] }));
    return reply.code(status).page('farm/tab', 'Farm/Proxies', {
      members: await farmMembers(deps, link),
      tabs: tabs.map((t) => ({ name: t.name, slug: t.slug })),
      tab: { name: tab.name, slug: tab.slug, fields },
      digest: textDigest(text),
      file: deps.configFile,
      outcome: extra.outcome ?? null,
      farmPush: canApplyToFarm(deps),
    });
  }

  app.get('/farm', { config: ADMIN, schema: { hide: true } }, async (_req, reply) => reply.redirect(`/farm/${tabSlug(SIPD_SCHEMA.tabs[0].name)}`, 303));

  app.get('/farm/:tab', { config: ADMIN, schema: { hide: true, params: tabParam } }, async (req, reply) => {
    const { tab } = req.params as { tab: string };
    if (!findTab(SIPD_SCHEMA, tab)) return reply.code(404).page('error', 'Not found', { status: 404, message: `There is no Farm/Proxies tab "${tab}".` });
    return page(reply, tab, 200);
  });

  app.post('/farm/:tab', { config: ADMIN, schema: { hide: true, params: tabParam } }, async (req, reply) => {
    const { tab } = req.params as { tab: string };
    if (!findTab(SIPD_SCHEMA, tab)) return reply.code(404).page('error', 'Not found', { status: 404, message: `There is no Farm/Proxies tab "${tab}".` });
    const body = (req.body ?? {}) as Record<string, unknown>;
    const outcome = await save(req, tab, body, typeof body._digest === 'string' ? body._digest : undefined, body._farm === '1');
    return page(reply, tab, outcome.ok ? 200 : 400, { outcome, posted: body });
  });

  // ---- JSON API ----
  const tags = ['farm'];
  app.get('/api/farm', { config: ADMIN, schema: { summary: "The farm's members (with the operation each needs) and the Farm/Proxies tabs", tags, response: { 200: { type: 'object', properties: { members: { type: 'array', items: memberSchema }, tabs: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, slug: { type: 'string' } } } } } } } } }, async () => ({
    members: await farmMembers(deps, link),
    tabs: SIPD_SCHEMA.tabs.map((t) => ({ name: t.name, slug: tabSlug(t.name) })),
  }));

  app.get(
    '/api/farm/tabs/:tab',
    { config: ADMIN, schema: { summary: "One tab's directives: type, default, valid values, help, the value in sipd.conf and whether it is dimmed", tags, params: tabParam, response: { 200: { type: 'object', properties: { name: { type: 'string' }, digest: { type: 'string' }, fields: { type: 'array', items: fieldSchema } } }, '4xx': errorSchema } } },
    async (req, reply) => {
      const { tab } = req.params as { tab: string };
      const text = readConf(deps.configFile);
      const t = farmTabs(SIPD_SCHEMA, text).find((x) => x.slug === tab);
      if (!t) return reply.code(404).send({ error: `no Farm/Proxies tab "${tab}"` });
      return { name: t.name, digest: textDigest(text), fields: t.fields };
    },
  );

  app.put(
    '/api/farm/tabs/:tab',
    {
      config: ADMIN,
      schema: {
        summary: 'Set directives of one tab (a value as written in sipd.conf; "" comments the directive out; a repeated directive takes one line per value). Checked as sipd -t checks; nothing is written on any error. With farm: true the farm-wide directives changed are then pushed to every member (as sip farm push does) and `farm` reports each member\'s outcome.',
        tags,
        params: tabParam,
        body: {
          type: 'object',
          required: ['values'],
          additionalProperties: false,
          properties: { values: { type: 'object', additionalProperties: { type: 'string', maxLength: 65536 } }, digest: { type: 'string', maxLength: 64 }, farm: { type: 'boolean' } },
        },
        response: { 200: { type: 'object', properties: { changed: { type: 'array', items: { type: 'string' } }, warnings: { type: 'array', items: { type: 'string' } }, members: { type: 'array', items: memberSchema }, farm: farmOutcomeSchema } }, '4xx': errorSchema },
      },
    },
    async (req, reply) => {
      const { tab } = req.params as { tab: string };
      const t = findTab(SIPD_SCHEMA, tab);
      if (!t) return reply.code(404).send({ error: `no Farm/Proxies tab "${tab}"` });
      const { values, digest, farm } = req.body as { values: Record<string, string>; digest?: string; farm?: boolean };
      const known = new Set([...t.directives, ...t.containers].map((d) => d.name));
      const unknown = Object.keys(values).filter((k) => !known.has(k));
      if (unknown.length) return reply.code(400).send({ error: `not directives of the ${t.name} tab: ${unknown.join(', ')}` });
      const outcome = await save(req, tab, values, digest, farm === true);
      if (!outcome.ok) return reply.code(400).send({ error: outcome.errors.map((e) => e.text).join('\n'), errors: outcome.errors });
      return { changed: outcome.changed, warnings: outcome.warnings, members: await farmMembers(deps, link), ...(outcome.farm && { farm: outcome.farm }) };
    },
  );
}
