// A corpus of valid SIP messages, shared by the differential test (sip-oracle.test.ts)
// and the parse benchmark (bench/sip-parse.ts). Written by us in the style of RFC 4475
// (§3.1.1 valid messages) and RFC 3665 call flows; not copied from either.

export interface CorpusCase {
  readonly name: string;
  readonly text: string;
}

/** Join header lines with CRLF, add Content-Length for the body and the blank line. */
export function msg(head: string[], body = '', withLength = true): string {
  const lines = [...head];
  if (withLength) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

const SDP = ['v=0', 'o=alice 2890844526 2890844526 IN IP4 192.0.2.10', 's=-', 'c=IN IP4 192.0.2.10', 't=0 0', 'm=audio 49172 RTP/AVP 0 8', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
const SDP6 = ['v=0', 'o=bob 1 1 IN IP6 2001:db8::20', 's=-', 'c=IN IP6 2001:db8::20', 't=0 0', 'm=audio 3456 RTP/AVP 0', ''].join('\r\n');

const dialog = (method: string, seq = 1) => [
  'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  `CSeq: ${seq} ${method}`,
];

export const CORPUS: readonly CorpusCase[] = [
  { name: 'basic INVITE with SDP', text: msg(['INVITE sip:bob@biloxi.example.com SIP/2.0', ...dialog('INVITE', 314159), 'Contact: <sip:alice@pc33.atlanta.example.com>', 'Content-Type: application/sdp'], SDP) },
  { name: 'OPTIONS to a host', text: msg(['OPTIONS sip:proxy.example.com SIP/2.0', ...dialog('OPTIONS', 63104), 'Accept: application/sdp']) },
  { name: 'REGISTER with two contacts, q and expires', text: msg(['REGISTER sip:registrar.biloxi.example.com SIP/2.0', 'Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7', 'Max-Forwards: 70', 'To: Bob <sip:bob@biloxi.example.com>', 'From: Bob <sip:bob@biloxi.example.com>;tag=456248', 'Call-ID: 843817637684230@998sdasdh09', 'CSeq: 1826 REGISTER', 'Contact: <sip:bob@192.0.2.4>;q=0.7;expires=3600, <sip:bob@192.0.2.5:5070;transport=tcp>;q=0.3', 'Expires: 7200']) },
  { name: 'REGISTER removing all bindings (Contact: *)', text: msg(['REGISTER sip:registrar.biloxi.example.com SIP/2.0', 'Via: SIP/2.0/TCP bobspc.biloxi.example.com:5060;branch=z9hG4bKrem1', 'Max-Forwards: 70', 'To: <sip:bob@biloxi.example.com>', 'From: <sip:bob@biloxi.example.com>;tag=rem', 'Call-ID: rem-all@bobspc', 'CSeq: 1827 REGISTER', 'Contact: *', 'Expires: 0']) },
  { name: 'BYE', text: msg(['BYE sip:alice@pc33.atlanta.example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10', 'Max-Forwards: 70', 'From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf', 'To: Alice <sip:alice@atlanta.example.com>;tag=1928301774', 'Call-ID: a84b4c76e66710', 'CSeq: 231 BYE']) },
  { name: 'ACK with Route set', text: msg(['ACK sip:bob@192.0.2.4 SIP/2.0', 'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds9', 'Route: <sip:ss1.atlanta.example.com;lr>, <sip:ss2.biloxi.example.com;lr>', 'Max-Forwards: 70', 'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf', 'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774', 'Call-ID: 3848276298220188511@atlanta.example.com', 'CSeq: 2 ACK']) },
  { name: 'CANCEL', text: msg(['CANCEL sip:bob@biloxi.example.com SIP/2.0', ...dialog('CANCEL')]) },
  { name: '100 Trying', text: msg(['SIP/2.0 100 Trying', 'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1', 'To: Bob <sip:bob@biloxi.example.com>', 'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774', 'Call-ID: a84b4c76e66710@pc33.atlanta.example.com', 'CSeq: 314159 INVITE']) },
  { name: '180 Ringing through two proxies', text: msg(['SIP/2.0 180 Ringing', 'Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3', 'Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2', 'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1', 'Record-Route: <sip:server10.biloxi.example.com;lr>, <sip:bigbox3.site3.atlanta.example.com;lr>', 'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf', 'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774', 'Call-ID: a84b4c76e66710@pc33.atlanta.example.com', 'Contact: <sip:bob@192.0.2.4>', 'CSeq: 314159 INVITE']) },
  { name: '200 OK with SDP', text: msg(['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1', 'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf', 'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774', 'Call-ID: a84b4c76e66710@pc33.atlanta.example.com', 'CSeq: 314159 INVITE', 'Contact: <sip:bob@192.0.2.4>', 'Content-Type: application/sdp'], SDP) },
  { name: '407 with a challenge', text: msg(['SIP/2.0 407 Proxy Authentication Required', 'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds', 'To: <sip:bob@biloxi.example.com>;tag=xyz1', 'From: <sip:alice@atlanta.example.com>;tag=1928301774', 'Call-ID: a84b4c76e66710@pc33', 'CSeq: 1 INVITE', 'Proxy-Authenticate: Digest realm="atlanta.example.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5']) },
  { name: '486 Busy Here', text: msg(['SIP/2.0 486 Busy Here', ...dialog('INVITE').filter((l) => !l.startsWith('Max')).map((l) => (l.startsWith('To:') ? l + ';tag=busy' : l))]) },
  { name: '302 with several Contacts', text: msg(['SIP/2.0 302 Moved Temporarily', ...dialog('INVITE').filter((l) => !l.startsWith('Max')).map((l) => (l.startsWith('To:') ? l + ';tag=mv' : l)), 'Contact: <sip:bob@192.0.2.7>;q=0.9, "Bob Mobile" <sip:+15551234567@gw.example.com;user=phone>;q=0.5']) },
  { name: 'compact header forms', text: msg(['INVITE sip:bob@biloxi.example.com SIP/2.0', 'v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKcompact', 'Max-Forwards: 70', 't: <sip:bob@biloxi.example.com>', 'f: <sip:alice@atlanta.example.com>;tag=c1', 'i: compact@pc33', 'CSeq: 5 INVITE', 'm: <sip:alice@pc33.atlanta.example.com>', 'k: 100rel, timer', 'c: application/sdp', `l: ${Buffer.byteLength(SDP)}`], SDP, false) },
  { name: 'lower-case and odd-case header names', text: msg(['OPTIONS sip:proxy.example.com SIP/2.0', 'via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKcase', 'max-forwards: 70', 'TO: <sip:proxy.example.com>', 'fRoM: <sip:a@example.com>;tag=case', 'CALL-ID: case@192.0.2.1', 'cseq: 9 OPTIONS']) },
  { name: 'Via list in one header line', text: msg(['OPTIONS sip:proxy.example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa, SIP/2.0/TCP 192.0.2.2:5061;branch=z9hG4bKb', ...dialog('OPTIONS').slice(1)]) },
  { name: 'Via with rport filled in and received', text: msg(['OPTIONS sip:proxy.example.com SIP/2.0', 'Via: SIP/2.0/UDP 10.1.1.1:5060;rport=35001;received=198.51.100.7;branch=z9hG4bKnat', ...dialog('OPTIONS').slice(1)]) },
  { name: 'Via with bare rport', text: msg(['OPTIONS sip:proxy.example.com SIP/2.0', 'Via: SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bKnat2;rport', ...dialog('OPTIONS').slice(1)]) },
  { name: 'Via with maddr and ttl (multicast)', text: msg(['OPTIONS sip:proxy.example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;maddr=239.255.255.1;ttl=16;branch=z9hG4bKmc', ...dialog('OPTIONS').slice(1)]) },
  { name: 'TLS Via and sips URIs', text: msg(['INVITE sips:bob@biloxi.example.com SIP/2.0', 'Via: SIP/2.0/TLS client.atlanta.example.com:5061;branch=z9hG4bK74bf9', 'Max-Forwards: 70', 'From: Alice <sips:alice@atlanta.example.com>;tag=9fxced76sl', 'To: Bob <sips:bob@biloxi.example.com>', 'Call-ID: 3848276298220188511@atlanta.example.com', 'CSeq: 1 INVITE', 'Contact: <sips:alice@client.atlanta.example.com>']) },
  { name: 'escaped characters in user part and quoted display name', text: msg(['INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKesc', 'Max-Forwards: 70', 'To: "Quoted \\"Name\\"" <sip:sips%3Auser%40example.com@example.net>', 'From: "J. Rosenberg \\\\\\"" <sip:jdrosen@example.com>;tag=esc', 'Call-ID: esc@192.0.2.1', 'CSeq: 1 INVITE']) },
  { name: 'user=phone and password in URI', text: msg(['INVITE sip:+1-212-555-1212:1234@gateway.example.com;user=phone SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKphone', 'Max-Forwards: 70', 'To: <sip:+1-212-555-1212:1234@gateway.example.com;user=phone>', 'From: <sip:alice@atlanta.example.com>;tag=ph', 'Call-ID: phone@192.0.2.1', 'CSeq: 1 INVITE']) },
  { name: 'URI parameters in the Request-URI', text: msg(['INVITE sip:bob@biloxi.example.com:5080;transport=tcp;lr;maddr=192.0.2.99;user=ip;x-vendor=%5Bv%5D SIP/2.0', ...dialog('INVITE')]) },
  { name: 'unknown method with matching CSeq', text: msg(['NEWMETHOD sip:bob@biloxi.example.com SIP/2.0', ...dialog('NEWMETHOD')]) },
  { name: 'extension headers and Allow/Supported lists', text: msg(['OPTIONS sip:proxy.example.com SIP/2.0', ...dialog('OPTIONS'), 'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE', 'Supported: replaces, timer', 'X-Custom-Header: some value; with=semicolons, and commas', 'User-Agent: Example/1.0 (test)']) },
  { name: 'folded Subject header', text: msg(['INVITE sip:bob@biloxi.example.com SIP/2.0', ...dialog('INVITE'), 'Subject: I know you are there,', '         pick up the phone', '\tand talk to me!']) },
  { name: 'extra whitespace around colons and in CSeq', text: msg(['OPTIONS sip:proxy.example.com SIP/2.0', 'Via   :   SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKws', 'Max-Forwards:70', 'To :<sip:proxy.example.com>', 'From:   <sip:a@example.com>  ;  tag = ws1', 'Call-ID  :  ws@192.0.2.1', 'CSeq:   8    OPTIONS']) },
  { name: 'long header value (2000 chars)', text: msg(['OPTIONS sip:proxy.example.com SIP/2.0', ...dialog('OPTIONS'), 'X-Long: ' + 'a'.repeat(2000)]) },
  { name: 'MESSAGE with a text body', text: msg(['MESSAGE sip:bob@biloxi.example.com SIP/2.0', ...dialog('MESSAGE'), 'Content-Type: text/plain;charset=utf-8'], 'Hello, Bob: héllo wörld\r\n') },
  { name: 'SUBSCRIBE with Event and Expires', text: msg(['SUBSCRIBE sip:bob@biloxi.example.com SIP/2.0', ...dialog('SUBSCRIBE'), 'Event: presence', 'Expires: 3600', 'Contact: <sip:alice@192.0.2.10:5060>', 'Accept: application/pidf+xml']) },
  { name: 'INFO with a Call-ID without host part', text: msg(['INFO sip:bob@biloxi.example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKinfo', 'Max-Forwards: 70', 'To: <sip:bob@biloxi.example.com>;tag=t1', 'From: <sip:alice@atlanta.example.com>;tag=f1', 'Call-ID: 8f2a1b3c4d5e6f70', 'CSeq: 3 INFO']) },
  { name: 'response with unusual reason phrase', text: msg(['SIP/2.0 499 Something “odd” happened: 42%', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKodd', 'To: <sip:bob@biloxi.example.com>;tag=t1', 'From: <sip:alice@atlanta.example.com>;tag=f1', 'Call-ID: odd@192.0.2.1', 'CSeq: 3 INVITE']) },
  { name: 'addr-spec From/To without angle brackets', text: msg(['OPTIONS sip:proxy.example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKaddr', 'Max-Forwards: 70', 'To: sip:proxy.example.com', 'From: sip:alice@atlanta.example.com;tag=bare', 'Call-ID: bare@192.0.2.1', 'CSeq: 1 OPTIONS']) },
  // Cases the `sip` package is known to get wrong (see sip-oracle.test.ts).
  { name: 'IPv6 Via sent-by and IPv6 Request-URI', text: msg(['INVITE sip:bob@[2001:db8::20]:5060 SIP/2.0', 'Via: SIP/2.0/UDP [2001:db8::10]:5070;branch=z9hG4bKv6;received=2001:db8::9', 'Max-Forwards: 70', 'To: <sip:bob@[2001:db8::20]>', 'From: <sip:alice@[2001:db8::10]>;tag=v6', 'Call-ID: v6@2001:db8::10', 'CSeq: 1 INVITE', 'Contact: <sip:alice@[2001:db8::10]:5070>', 'Content-Type: application/sdp'], SDP6) },
  { name: 'tel Request-URI and tel From', text: msg(['INVITE tel:+1-201-555-0123 SIP/2.0', 'Via: SIP/2.0/UDP gw.example.com;branch=z9hG4bKtel', 'Max-Forwards: 70', 'To: <tel:+1-201-555-0123>', 'From: <tel:7042;phone-context=example.com>;tag=tel', 'Call-ID: tel@gw.example.com', 'CSeq: 1 INVITE']) },
  { name: 'display name with a comma in a Contact list', text: msg(['SIP/2.0 300 Multiple Choices', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKmc2', 'To: <sip:bob@biloxi.example.com>;tag=m', 'From: <sip:alice@atlanta.example.com>;tag=f', 'Call-ID: mc2@192.0.2.1', 'CSeq: 1 INVITE', 'Contact: "Smith, Bob" <sip:bob@192.0.2.8>, "Smith, Robert" <sip:robert@192.0.2.9>']) },
  { name: 'bare LF line endings', text: msg(['OPTIONS sip:proxy.example.com SIP/2.0', ...dialog('OPTIONS')]).replace(/\r\n/g, '\n') },
];
