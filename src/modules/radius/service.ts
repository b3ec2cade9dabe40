// The RADIUS client as the other modules see it (src/modules/module.ts SharedServices.radius):
// accounting, authentication and preauthorization hand it servers and attributes; the
// radius module owns the socket, identifiers, retransmissions and failover.

export interface RadiusServer {
  readonly host: string;
  readonly port: number;
  readonly secret: string;
}

/** Attributes as the `radius` package takes them: [name, value] pairs; vendor ones as
 *  ['Vendor-Specific', 9, [[name, value], ...]]. */
export type RadiusAttribute = [string, unknown] | ['Vendor-Specific', number, Array<[string, unknown]>];

export interface RadiusAnswer {
  readonly code: string;
  readonly attributes: Record<string, unknown>;
  readonly server: RadiusServer;
}

export interface RadiusService {
  /** Access-Request to servers in order (primary, then secondary after RadiusRetransmissionCount
   *  resends of RadiusRetransmissionInterval each); undefined when none answered with a valid,
   *  signed response. Never throws. */
  access(servers: readonly RadiusServer[], attributes: readonly RadiusAttribute[], use: 'auth' | 'rpms'): Promise<RadiusAnswer | undefined>;
  /** Accounting-Request; Acct-Delay-Time is added/updated on resends from delaySeconds. true when a
   *  server acknowledged it; false when none did (the caller keeps the record). Never throws. */
  accounting(servers: readonly RadiusServer[], attributes: readonly RadiusAttribute[], delaySeconds: number): Promise<boolean>;
  /** Why these attributes can never be sent (they do not encode, or exceed 4096 octets), or
   *  undefined when they can: a caller that keeps records drops such a one rather than retry it for ever. */
  unencodable?(attributes: readonly RadiusAttribute[]): string | undefined;
}

/** The servers of a primary/secondary directive pair, in order; one counts only with an address and a secret. */
export function configuredServers(pair: ReadonlyArray<{ host: string | undefined; port: number; secret: string | undefined }>): RadiusServer[] {
  return pair.filter((s): s is RadiusServer => !!s.host && !!s.secret).map(({ host, port, secret }) => ({ host, port, secret }));
}
