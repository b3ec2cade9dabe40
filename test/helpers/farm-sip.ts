// Plain UDP SIP exchanges with one farm member, for the quorum tests: a REGISTER and its
// answer, and whether an INVITE for a registered user reaches the user's contact socket.
import dgram from 'node:dgram';
import { udpExchange } from './udp.js';

let cseq = 1;

/** REGISTER `user` at 127.0.0.1:`port` with a contact on `contactPort`; the answer, or undefined after 15 s. */
export function registerAt(port: number, user: string, contactPort: number): Promise<string | undefined> {
  const n = cseq++;
  return udpExchange(
    port,
    [
      `REGISTER sip:127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${contactPort};branch=z9hG4bK-q${n}-${Date.now()}`,
      'Max-Forwards: 70',
      `From: <sip:${user}@127.0.0.1:${port}>;tag=f${n}`,
      `To: <sip:${user}@127.0.0.1:${port}>`,
      `Call-ID: quorum-${user}-${n}-${Date.now()}@test`,
      `CSeq: ${n} REGISTER`,
      `Contact: <sip:${user}@127.0.0.1:${contactPort}>`,
      'Expires: 3600',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
    15_000,
  );
}

/** The status code of a SIP answer; 0 when there was none. */
export const statusOf = (answer: string | undefined): number => Number(/^SIP\/2\.0 (\d{3})/.exec(answer ?? '')?.[1] ?? 0);

/** Send an INVITE for `user` to the member at `port`; resolves with the request `phone` receives, or undefined after 10 s. */
export function inviteReaches(port: number, user: string, phone: dgram.Socket): Promise<string | undefined> {
  return new Promise((resolve) => {
    const caller = dgram.createSocket('udp4');
    const timer = setTimeout(() => done(undefined), 10_000);
    const onPhone = (m: Buffer) => {
      if (m.toString().startsWith('INVITE ')) done(m.toString());
    };
    function done(v: string | undefined) {
      clearTimeout(timer);
      phone.off('message', onPhone);
      caller.close();
      resolve(v);
    }
    phone.on('message', onPhone);
    caller.on('message', () => undefined);
    caller.bind(0, '127.0.0.1', () => {
      const local = caller.address().port;
      const invite = [
        `INVITE sip:${user}@127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-inv-${Date.now()}`,
        'Max-Forwards: 70',
        `From: <sip:carol@127.0.0.1:${local}>;tag=c1`,
        `To: <sip:${user}@127.0.0.1:${port}>`,
        `Call-ID: quorum-invite-${Date.now()}@test`,
        'CSeq: 1 INVITE',
        `Contact: <sip:carol@127.0.0.1:${local}>`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      caller.send(invite, port, '127.0.0.1');
    });
  });
}

/** sipd.conf lines of a registry farm member whose database is the node at `address` (account sps). */
export function farmMemberLines(address: string, name: string): string[] {
  return [
    'Cisco_Registry On',
    'Cisco_Registry_Farm_Members "127.0.0.2 127.0.0.3"',
    'DB_MySQL On',
    `DB_MySQL_HostName ${address}`,
    'DB_MySQL_Username sps',
    'DB_MySQL_Password spspw',
    'DB_MySQL_Connect_Timeout 10',
    `ServerName ${name}`,
  ];
}
