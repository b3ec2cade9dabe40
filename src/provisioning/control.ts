// Proxy Control: each member's status (pid, uptime, counters, the operation it needs) and
// stop, start, restart and graceful restart of this host's sipd through the `sip` control
// script, with what `sip` said. Operators and administrators.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PserverDeps } from './deps.js';
import { memberSchema } from './farm.js';
import { farmMembers } from './members.js';
import { SIP_COMMANDS } from './sipd-link.js';
import type { SipCommand, SipOutcome, SipdLink } from './sipd-link.js';

const OPERATOR = { access: 'operator' } as const;
const READ = { access: 'read-only' } as const;
const opParam = { type: 'object', required: ['op'], properties: { op: { type: 'string', enum: [...SIP_COMMANDS] } } } as const;
const outcomeSchema = { type: 'object', properties: { command: { type: 'string' }, ok: { type: 'boolean' }, exitCode: { type: ['integer', 'null'] }, output: { type: 'string' } } } as const;
const LABEL: Record<SipCommand, string> = { start: 'Start', stop: 'Stop', restart: 'Restart', graceful: 'Graceful Restart' };

/** Counters worth a column; the full set is in the API. */
const SHOWN = ['requests.INVITE', 'requests.REGISTER', 'registrations.active', 'transactions.server', 'transactions.client'];

export async function controlPlugin(app: FastifyInstance, opts: { deps: PserverDeps; link: SipdLink }): Promise<void> {
  const { deps, link } = opts;
  // One sip command at a time: two overlapping stop/start would fight over the pid file.
  let busy: Promise<unknown> = Promise.resolve();
  const run = (cmd: SipCommand): Promise<SipOutcome> => {
    const next = busy.then(() => link.run(cmd));
    busy = next.catch(() => undefined);
    return next;
  };

  async function page(reply: FastifyReply, status: number, outcome: SipOutcome | null): Promise<FastifyReply> {
    return reply.code(status).page('control/list', 'Proxy Control', { members: await farmMembers(deps, link), outcome, commands: SIP_COMMANDS.map((c) => ({ op: c, label: LABEL[c] })), shown: SHOWN });
  }

  app.get('/control', { config: READ, schema: { hide: true } }, async (_req, reply) => page(reply, 200, null));

  app.post('/control/:op', { config: OPERATOR, schema: { hide: true, params: opParam } }, async (req, reply) => {
    const { op } = req.params as { op: SipCommand };
    const outcome = await run(op);
    req.audit(`sipd ${op}`, `${LABEL[op]} of this host: ${outcome.ok ? 'succeeded' : `failed (exit ${outcome.exitCode})`}`);
    return page(reply, outcome.ok ? 200 : 500, outcome);
  });

  const tags = ['control'];
  app.get('/api/control', { config: READ, schema: { summary: 'Status of each farm member: pid, uptime, counters and the operation it needs', tags, response: { 200: { type: 'array', items: memberSchema } } } }, async () => farmMembers(deps, link));

  app.post(
    '/api/control/:op',
    { config: OPERATOR, schema: { summary: "Stop, start, restart or gracefully restart this host's sipd (the sip control script); the answer is what sip said", tags, params: opParam, response: { 200: outcomeSchema, 500: outcomeSchema } } },
    async (req, reply) => {
      const { op } = req.params as { op: SipCommand };
      const outcome = await run(op);
      req.audit(`sipd ${op}`, `${LABEL[op]} of this host: ${outcome.ok ? 'succeeded' : `failed (exit ${outcome.exitCode})`}`);
      return reply.code(outcome.ok ? 200 : 500).send(outcome);
    },
  );
}
