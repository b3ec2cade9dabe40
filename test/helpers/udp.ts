// One UDP request/answer exchange with a server on 127.0.0.1, bounded in time.
import dgram from 'node:dgram';

/** Send one datagram; resolves with the first answer, or undefined after waitMs. */
export function udpExchange(port: number, payload: string, waitMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, waitMs);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
    s.bind(0, '127.0.0.1', () => s.send(payload, port, '127.0.0.1'));
  });
}
