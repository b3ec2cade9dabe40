// An in-process RADIUS server on 127.0.0.1 for the client's unit tests: it checks each
// request's signatures itself (independently of src/modules/radius/codec.ts), records it,
// and answers as the test says — correctly signed, unsigned, with another secret, from
// another socket, with another identifier, or not at all.
import { createHash, createHmac } from 'node:crypto';
import dgram from 'node:dgram';
import radius from 'radius';
import { loadDictionaries } from '../../../src/modules/radius/codec.js';

export interface Received {
  readonly id: number;
  readonly code: string;
  readonly raw: Buffer;
  readonly attributes: Record<string, unknown>;
  /** When it arrived (performance.now()). */
  readonly at: number;
  /** Request Authenticator and Message-Authenticator both matched. */
  readonly signed: boolean;
  /** The client's address and port. */
  readonly from: { readonly address: string; readonly port: number };
}

/** What to send back for one request; undefined sends nothing. */
export type Behaviour = (r: Received) => Reply | Reply[] | undefined;

export interface Reply {
  readonly code: string;
  readonly attributes?: Array<[string, unknown]>;
  /** Leave out the Message-Authenticator. */
  readonly unsigned?: boolean;
  /** Sign with this secret instead of the shared one. */
  readonly secret?: string;
  /** Send from a second socket (another port). */
  readonly fromOtherPort?: boolean;
  /** Answer with this identifier instead of the request's. */
  readonly identifier?: number;
}

const MA = 80;

function maOffset(packet: Buffer): number | undefined {
  for (let at = 20; at + 2 <= packet.length; at += packet[at + 1]!) {
    if (packet[at + 1]! < 2) return undefined;
    if (packet[at] === MA) return at + 2;
  }
  return undefined;
}

/** Our own check of a request's signatures (RFC 2865/2866, RFC 3579 §3.2, FreeRADIUS's accounting form). */
function verifyRequest(packet: Buffer, secret: string): boolean {
  const ma = maOffset(packet);
  if (ma === undefined) return false;
  const copy = Buffer.from(packet);
  const theirMa = Buffer.from(copy.subarray(ma, ma + 16));
  copy.fill(0, ma, ma + 16);
  if (packet[0] === 4) {
    const auth = Buffer.from(packet.subarray(4, 20));
    const zeroAuth = Buffer.from(packet);
    zeroAuth.fill(0, 4, 20);
    if (!createHash('md5').update(zeroAuth).update(secret).digest().equals(auth)) return false;
    copy.fill(0, 4, 20);
  }
  return createHmac('md5', secret).update(copy).digest().equals(theirMa);
}

export class FakeRadiusServer {
  readonly received: Received[] = [];
  behaviour: Behaviour = () => undefined;
  private constructor(
    private readonly sock: dgram.Socket,
    private readonly other: dgram.Socket,
    readonly secret: string,
  ) {
    sock.on('message', (m, rinfo) => this.onMessage(m, rinfo));
  }

  static async start(secret = 'fake-secret'): Promise<FakeRadiusServer> {
    loadDictionaries();
    const bind = () =>
      new Promise<dgram.Socket>((resolve) => {
        const s = dgram.createSocket('udp4');
        s.bind(0, '127.0.0.1', () => resolve(s));
      });
    return new FakeRadiusServer(await bind(), await bind(), secret);
  }

  get port(): number {
    return this.sock.address().port;
  }

  get server() {
    return { host: '127.0.0.1', port: this.port, secret: this.secret };
  }

  private onMessage(m: Buffer, rinfo: dgram.RemoteInfo): void {
    const code = radius.decode_without_secret({ packet: m }).code;
    const signed = verifyRequest(m, this.secret);
    const attributes = (code === 'Access-Request' && signed ? radius.decode({ packet: m, secret: this.secret }) : radius.decode_without_secret({ packet: m })).attributes as Record<string, unknown>;
    const r: Received = { id: m[1]!, code, raw: Buffer.from(m), attributes, at: performance.now(), signed, from: { address: rinfo.address, port: rinfo.port } };
    this.received.push(r);
    const out = this.behaviour(r);
    for (const reply of out === undefined ? [] : Array.isArray(out) ? out : [out]) this.reply(r, reply, rinfo);
  }

  /** Send a reply to a request (also used by tests that hold requests and answer later). */
  reply(r: Received, reply: Reply, to: { address: string; port: number }): void {
    const secret = reply.secret ?? this.secret;
    const request = radius.decode_without_secret({ packet: r.raw });
    const packet = radius.encode_response({
      packet: { ...request, identifier: reply.identifier ?? r.id, attributes: reply.unsigned ? {} : { 'Message-Authenticator': Buffer.alloc(16) } },
      code: reply.code,
      secret,
      attributes: (reply.attributes ?? []).map((a) => [...a]), // the package appends to the list it is given
    });
    (reply.fromOtherPort ? this.other : this.sock).send(packet, to.port, to.address);
  }

  async stop(): Promise<void> {
    await Promise.all([this.sock, this.other].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
