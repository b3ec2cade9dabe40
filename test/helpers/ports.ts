// Free ports on 127.0.0.1, free for both UDP and TCP (sipd binds both on one port).
import dgram from 'node:dgram';
import net from 'node:net';

const handedOut = new Set<number>();

function listenTcp(port: number, host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ port, host, exclusive: true }, () => resolve(s));
  });
}

function bindUdp(port: number, host: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', (e) => {
      s.close();
      reject(e);
    });
    s.bind({ port, address: host, exclusive: true }, () => resolve(s));
  });
}

/** A port that nobody holds over UDP or TCP right now (and that this run has not handed out). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tcp = await listenTcp(0, host);
    const port = (tcp.address() as net.AddressInfo).port;
    let udp: dgram.Socket | undefined;
    try {
      udp = await bindUdp(port, host);
    } catch {
      udp = undefined;
    }
    await new Promise<void>((r) => tcp.close(() => r()));
    if (!udp) continue;
    await new Promise<void>((r) => udp!.close(() => r()));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free UDP+TCP port found on ${host} after 50 attempts`);
}
