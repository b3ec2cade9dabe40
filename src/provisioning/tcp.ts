// Persistent TCP: the peers of conf/persistent_tcp.conf (add, delete) and the connections
// sipd holds now (control socket "connections"). sipd reads the file at start and at each
// graceful restart, which the page says after a change.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PserverDeps } from './deps.js';
import { addPersistent, deletePersistent, readPersistent } from './persistent-tcp.js';
import type { SipdLink } from './sipd-link.js';

const OPERATOR = { access: 'operator' } as const;
const READ = { access: 'read-only' } as const;
const errorSchema = { type: 'object', properties: { error: { type: 'string' } } } as const;
const peerSchema = { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer' }, line: { type: 'integer' } } } as const;
const liveSchema = {
  type: 'object',
  properties: {
    running: { type: 'boolean' },
    connections: { type: 'array', items: { type: 'object', properties: { transport: { type: 'string' }, peer: { type: 'string' }, local: { type: 'string' }, direction: { type: 'string' }, since: { type: 'string' }, persistent: { type: 'boolean' } } } },
    persistent: { type: 'array', items: { type: 'object', properties: { transport: { type: 'string' }, peer: { type: 'string' }, up: { type: 'boolean' } } } },
  },
} as const;
const APPLY = 'Saved. sipd reads persistent_tcp.conf at start and at a graceful restart: apply it from Proxy Control.';

export async function tcpPlugin(app: FastifyInstance, opts: { deps: PserverDeps; link: SipdLink }): Promise<void> {
  const { deps, link } = opts;
  const file = () => deps.config().path('conf/persistent_tcp.conf');

  async function live() {
    const r = await link.ask({ cmd: 'connections' });
    return r ? { running: true, connections: (r.connections ?? []) as unknown[], persistent: (r.persistent ?? []) as unknown[] } : { running: false, connections: [], persistent: [] };
  }

  async function page(reply: FastifyReply, status: number, message: string, ok: string): Promise<FastifyReply> {
    const f = readPersistent(file());
    return reply.code(status).page('tcp/list', 'Persistent TCP', { file: file(), peers: f.peers, fileErrors: f.errors, live: await live(), message, ok });
  }

  app.get('/tcp', { config: READ, schema: { hide: true } }, async (_req, reply) => page(reply, 200, '', ''));

  app.post('/tcp', { config: OPERATOR, schema: { hide: true } }, async (req, reply) => {
    const peer = String((req.body as Record<string, unknown> | undefined)?.peer ?? '');
    const problem = addPersistent(file(), peer);
    if (problem) return page(reply, 400, problem, '');
    req.audit('persistent tcp add', peer.trim());
    return page(reply, 200, '', APPLY);
  });

  app.post('/tcp/delete', { config: OPERATOR, schema: { hide: true } }, async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const line = Number(b.line);
    const port = Number(b.port);
    const host = String(b.host ?? '');
    if (!Number.isInteger(line) || !Number.isInteger(port)) return page(reply, 400, 'line and port must be whole numbers', '');
    const problem = deletePersistent(file(), line, host, port);
    if (problem) return page(reply, 400, problem, '');
    req.audit('persistent tcp delete', `${host}:${port}`);
    return page(reply, 200, '', APPLY);
  });

  const tags = ['persistent tcp'];
  app.get('/api/tcp', { config: READ, schema: { summary: 'The peers of persistent_tcp.conf and the TCP/TLS connections sipd holds now', tags, response: { 200: { type: 'object', properties: { peers: { type: 'array', items: peerSchema }, fileErrors: { type: 'array', items: { type: 'string' } }, live: liveSchema } } } } }, async () => {
    const f = readPersistent(file());
    return { peers: f.peers, fileErrors: f.errors, live: await live() };
  });

  app.post(
    '/api/tcp',
    { config: OPERATOR, schema: { summary: 'Add a peer (host or host:port; IPv6 as [addr]:port); applied at the next graceful restart', tags, body: { type: 'object', required: ['peer'], additionalProperties: false, properties: { peer: { type: 'string', maxLength: 300 } } }, response: { 201: { type: 'object', properties: { peers: { type: 'array', items: peerSchema } } }, '4xx': errorSchema } } },
    async (req, reply) => {
      const { peer } = req.body as { peer: string };
      const problem = addPersistent(file(), peer);
      if (problem) return reply.code(400).send({ error: problem });
      req.audit('persistent tcp add', peer.trim());
      return reply.code(201).send({ peers: readPersistent(file()).peers });
    },
  );

  app.delete(
    '/api/tcp/:line',
    {
      config: OPERATOR,
      schema: {
        summary: 'Delete the peer on this line of persistent_tcp.conf; host and port must match it (the file may have changed)',
        tags,
        params: { type: 'object', required: ['line'], properties: { line: { type: 'integer', minimum: 1 } } },
        querystring: { type: 'object', required: ['host', 'port'], properties: { host: { type: 'string', maxLength: 300 }, port: { type: 'integer', minimum: 1, maximum: 65535 } } },
        response: { 200: { type: 'object', properties: { peers: { type: 'array', items: peerSchema } } }, '4xx': errorSchema },
      },
    },
    async (req, reply) => {
      const { line } = req.params as { line: number };
      const { host, port } = req.query as { host: string; port: number };
      const problem = deletePersistent(file(), line, host, port);
      if (problem) return reply.code(409).send({ error: problem });
      req.audit('persistent tcp delete', `${host}:${port}`);
      return { peers: readPersistent(file()).peers };
    },
  );
}
