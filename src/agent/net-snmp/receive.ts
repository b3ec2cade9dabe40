// The fixed agent's receive path, installed over net-snmp's own: per datagram, decode with the
// library's Listener.processIncoming (BER, USM auth/priv, reports), map community to
// securityName through the AccessPolicy (or drop: snmpInBadCommunityNames), then answer
// GET (get.ts), GETNEXT/GETBULK (next.ts) or SET (set.ts).
// Defect 4 of docs/net-snmp-defects.md: a handler that throws inside the library's
// UDP handler killed the process; here whatever a request throws stays inside its datagram.
// Also: RFC 3414 §3.2 reports for failed authentication/decryption (the library dropped them),
// the snmp group counters, and SNMPv2 error codes for v2c/v3 responses (RFC 3416 §4.2.5).
import snmp from 'net-snmp';
import type { Mib } from 'net-snmp';
import type { AccessPolicy, NetSnmpAgentOptions, RequestSecurity, SnmpCounters } from './types.js';
import { localSubtrees } from './external.js';
import type { ExternalTree } from './external.js';
import { respond, SEC } from './pipeline.js';
import type { AgentInternals, DecodedMessage, MessageClass, Pipeline, ResponsePdu } from './pipeline.js';
import { answerGet } from './get.js';
import { answerNext } from './next.js';
import { answerSet } from './set.js';

const { ErrorStatus, PduType } = snmp;

export function installFixedPipeline(
  raw: AgentInternals,
  mib: Mib,
  counters: SnmpCounters,
  getPolicy: () => AccessPolicy | undefined,
  getExternal: () => ExternalTree | undefined,
  options: NetSnmpAgentOptions,
  log: NonNullable<NetSnmpAgentOptions['log']>,
): void {
  const ListenerClass = raw.listener.constructor as unknown as {
    processIncoming(buffer: Buffer, authorizer: unknown, cb: (e: Error | null) => void): DecodedMessage | undefined;
  };
  const librarySend = raw.listener.send.bind(raw.listener);
  raw.listener.send = (message, rinfo, socket) => {
    counters.snmpOutPkts++;
    try {
      librarySend(message, rinfo, socket);
    } catch (e) {
      log('warn', `cannot encode a response: ${(e as Error).message}`);
    }
  };
  const librarySendResponse = raw.sendResponse.bind(raw);
  // A SET mixing our objects with a subagent's runs the library's SET on a copy of the message
  // holding only our varbinds; its response is caught here instead of being sent.
  const captured = new WeakMap<object, (pdu: ResponsePdu) => void>();
  raw.sendResponse = (socket, rinfo, message, pdu) => {
    const capture = captured.get(message);
    if (capture) {
      captured.delete(message);
      capture(pdu);
      return;
    }
    counters.snmpOutGetResponses++;
    // badValue/readOnly exist only in SNMPv1 (RFC 3416 §4.2.5); should a library path still
    // produce one for a v2c/v3 request, answer the SNMPv2 equivalent.
    if (message.version !== snmp.Version1 && pdu.errorStatus === ErrorStatus.BadValue) pdu.errorStatus = ErrorStatus.WrongValue;
    if (message.version !== snmp.Version1 && pdu.errorStatus === ErrorStatus.ReadOnly) pdu.errorStatus = ErrorStatus.NotWritable;
    librarySendResponse(socket, rinfo, message, pdu);
  };
  const p: Pipeline = { raw, mib, counters, log, librarySet: raw.request.bind(raw), captured };

  // The library's listener calls agent.onMsg with the socket bound: replacing the method on
  // the instance is enough (sockets bind `me.callback` = the original; rebind them).
  const onMessage = (socket: unknown, buffer: Buffer, rinfo: { address: string; port: number }) => {
    counters.snmpInPkts++;
    try {
      handleMessage(socket, buffer, rinfo);
    } catch (e) {
      // Defect 4 (remote crash): whatever a handler throws stays inside this datagram.
      log('error', `request from ${rinfo.address}:${rinfo.port} failed: ${(e as Error).stack ?? e}`);
    }
  };
  for (const s of Object.values(raw.listener.sockets ?? {})) {
    s.removeAllListeners('message');
    s.on('message', (buf: Buffer, rinfo: { address: string; port: number }) => onMessage(s, buf, rinfo));
  }
  raw.onMsg = onMessage;

  // net-snmp does not export its Message class; we learn it from the first decoded message.
  let messageClass: MessageClass | undefined;

  function handleMessage(socket: unknown, buffer: Buffer, rinfo: { address: string; port: number }) {
    let failure: Error | undefined;
    let message: DecodedMessage | undefined;
    const authorizer = raw.getAuthorizer();
    try {
      message = ListenerClass.processIncoming(buffer, authorizer, (e) => {
        failure = e ?? undefined;
      });
    } catch {
      counters.snmpInASNParseErrs++;
      return;
    }
    if (!message) {
      if (failure && /digest|decrypt/i.test(failure.message) && messageClass) {
        // RFC 3414 §3.2 steps 6/8: a reportable request that fails authentication or
        // decryption gets a usmStatsWrongDigests / usmStatsDecryptionErrors report (the
        // library just drops it, so the manager only sees a timeout).
        try {
          const m = messageClass.createFromBuffer(buffer);
          if (m.isReportable?.()) {
            const report = m.createReportResponseMessage?.(raw.engine, raw.context, /digest/i.test(failure.message) ? '5' : '6');
            raw.listener.send(report, rinfo, socket);
          }
        } catch {
          // not even decodable a second time: drop
        }
        counters.snmpSilentDrops++;
        return;
      }
      if (failure && /community/i.test(failure.message)) {
        counters.snmpInBadCommunityNames++;
        options.onAuthFailure?.(rinfo.address, '');
      } else {
        counters.snmpSilentDrops++;
      }
      return;
    }
    if (!message.report) messageClass ??= message.constructor as unknown as MessageClass;
    if (message.report && message.original) {
      const report = message.original.createReportResponseMessage(raw.engine, raw.context, message.errorType);
      raw.listener.send(report, rinfo, socket);
      return;
    }
    const pdu = message.pdu;
    if (message.version === snmp.Version3 && pdu.type === PduType.GetRequest && message.hasAuthoritativeEngineID && !message.hasAuthoritativeEngineID() && message.isReportable?.()) {
      // SNMPv3 engine discovery (RFC 3414 §4).
      const report = message.createReportResponseMessage?.(raw.engine, raw.context, '4');
      raw.listener.send(report, rinfo, socket);
      return;
    }

    // Who is asking: community → securityName through the policy (snmpCommunityEntry).
    const policy = getPolicy();
    let sec: RequestSecurity;
    if (message.version === snmp.Version3) {
      const level = message.user?.level ?? 1;
      sec = {
        model: 'usm',
        securityName: message.user?.name ?? '',
        level: level === 3 ? 'authPriv' : level === 2 ? 'authNoPriv' : 'noAuthNoPriv',
        contextName: pdu.contextName ?? '',
        address: rinfo.address,
        port: rinfo.port,
      };
    } else {
      const community = message.community ?? '';
      const name = policy ? policy.community(community, rinfo.address) : community;
      if (name === undefined) {
        counters.snmpInBadCommunityNames++;
        options.onAuthFailure?.(rinfo.address, community);
        return;
      }
      sec = {
        model: message.version === snmp.Version1 ? 'v1' : 'v2c',
        securityName: name,
        level: 'noAuthNoPriv',
        contextName: '',
        address: rinfo.address,
        port: rinfo.port,
      };
    }
    message[SEC] = sec;
    if (sec.contextName !== '') {
      // Only the default context exists (no proxy forwarding): RFC 3413 noSuchContext.
      counters.snmpSilentDrops++;
      return;
    }

    counters.snmpInTotalReqVars += pdu.type === PduType.SetRequest ? 0 : pdu.varbinds.length;
    // With subagents attached, answers may wait for them: the handlers return a promise.
    const view = getExternal()?.view(() => localSubtrees(mib));
    const settle = (pending: Promise<void>) =>
      pending.catch((e) => {
        log('error', `request from ${rinfo.address}:${rinfo.port} failed: ${(e as Error).stack ?? e}`);
        respond(p, socket, rinfo, message!, [], ErrorStatus.GeneralError, 0);
      });
    switch (pdu.type) {
      case PduType.GetRequest:
        counters.snmpInGetRequests++;
        return void settle(answerGet(p, socket, rinfo, message, sec, policy, view));
      case PduType.GetNextRequest:
        counters.snmpInGetNexts++;
        return void settle(answerNext(p, socket, rinfo, message, sec, policy, false, view));
      case PduType.GetBulkRequest:
        if (message.version === snmp.Version1) {
          counters.snmpSilentDrops++;
          return;
        }
        return void settle(answerNext(p, socket, rinfo, message, sec, policy, true, view));
      case PduType.SetRequest:
        counters.snmpInSetRequests++;
        counters.snmpInTotalSetVars += pdu.varbinds.length;
        return void settle(answerSet(p, socket, rinfo, message, sec, policy, view));
      default:
        counters.snmpSilentDrops++;
        return;
    }
  }
}
