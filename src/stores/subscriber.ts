// The subscriber store: who may authenticate and where their calls are forwarded. Two
// implementations behind this one interface: embedded (file-backed, the default with
// DB_MySQL Off) in src/stores/embedded/, and MySQL in src/stores/mysql/.

/**
 * The stored secret. Never the password itself where we can avoid it: digest HA1 values
 * for the realm they were made for (RFC 2617 / RFC 7616) let us check Digest (MD5,
 * MD5-sess, SHA-256) and Basic alike. `plain` exists only for an existing table whose
 * password column holds clear text (DB_MySQL field mapping onto a legacy schema).
 */
export type StoredSecret =
  | { readonly kind: 'ha1'; readonly realm: string; readonly md5: string; readonly sha256: string }
  | { readonly kind: 'plain'; readonly password: string };

export interface Subscriber {
  /** User ID; unique per domain on its first 50 characters. */
  readonly user: string;
  /** The domain for virtual proxy hosts; '' when subscribers are keyed by user alone. */
  readonly domain: string;
  readonly secret: StoredSecret | undefined;
  readonly firstName: string;
  readonly middleName: string;
  readonly lastName: string;
  /** Call-forward destinations (SIP URLs), '' when not set. */
  readonly cfu: string;
  readonly cfb: string;
  readonly cfna: string;
  readonly cfunv: string;
  /** The forwarded-to party must not learn who forwarded: Diversion gets privacy=full. */
  readonly redirectDnPrivacy: boolean;
}

/** A store that cannot be reached right now (MySQL down, or marked bad after DB_MySQL_Connect_Timeout). */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
}

/** A write the store refuses: duplicate user, bad field value. `field` names the column at fault. */
export class SubscriberValidationError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface SubscriberStore {
  /** The subscriber, or undefined when there is none. Throws StoreUnavailableError rather than waiting. */
  get(user: string, domain?: string): Promise<Subscriber | undefined>;
  /** Every subscriber, ordered by domain then user. */
  list(): Promise<Subscriber[]>;
  /** Add a new subscriber; SubscriberValidationError when the user (first 50 characters) already exists in that domain. */
  add(s: Subscriber): Promise<void>;
  /** Replace an existing subscriber's record (matched by user and domain). */
  update(s: Subscriber): Promise<void>;
  /** Remove; false when there was none. */
  remove(user: string, domain?: string): Promise<boolean>;
  close(): Promise<void>;
}
