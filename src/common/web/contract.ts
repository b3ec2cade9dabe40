// What a feature's pages and JSON API get from the web kit (src/common/web/). The kit is
// shared by pserver, the provisioning GUI (src/provisioning/), and by the agent's Dr-Web
// pages (src/agent/web/), so both look alike and are protected the same way.
//
// A feature is an ordinary fastify plugin. Every route it adds declares `config.access`:
// the least role that may call it, or 'public'. The kit refuses to start when a route
// has none, checks the session and the role before any handler runs, and requires the
// CSRF token on every method but GET and HEAD. A feature therefore writes no security
// code of its own; it renders pages with `reply.page` and records changes with `req.audit`.
import type {} from 'fastify';
import type { Logger } from 'winston';

/** read-only sees everything and changes nothing; operator provisions and starts/stops
 *  servers; administrator also edits sipd.conf and manages the accounts. */
export type Role = 'read-only' | 'operator' | 'administrator';
export const ROLES: readonly Role[] = ['read-only', 'operator', 'administrator'];

/** True when `have` is `need` or above it. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** A route's `config.access`. 'public' is for the login pages, static files and the health check only. */
export type Access = Role | 'public';

export interface WebUser {
  readonly name: string;
  readonly role: Role;
}

/** Where the kit finds its users: pserver's account store, or the agent's httpUserNameEntry lines. */
export interface UserDirectory {
  /** The user when the name and password match, else null. Never throws. */
  verify(name: string, password: string): Promise<WebUser | null>;
  /** True while the user still has an initial password: nothing but the password change is allowed until it is changed. */
  mustChangePassword(name: string): boolean;
  /** Stores a new password (hashed). Rejects with an Error whose message can be shown to the user (too short, same as before...). */
  changePassword(name: string, newPassword: string): Promise<void>;
}

/** Who changed what, and when. pserver keeps these lines and shows them in the GUI. */
export interface AuditSink {
  record(user: string, action: string, detail: string): void;
}

/** One entry of the navigation bar; shown to users with at least `access`. */
export interface NavItem {
  readonly path: string;
  readonly label: string;
  readonly access: Role;
}

export interface WebAppOptions {
  /** Shown in the title bar: "OpenSPS Provisioning", "CIAgent Dr-Web". */
  readonly product: string;
  readonly users: UserDirectory;
  readonly audit: AuditSink;
  readonly nav: readonly NavItem[];
  /** Requests, logins and failures go here (pserver_log, or the agent's log). */
  readonly logger: Logger;
  /** Signs the session cookie; at least 32 bytes, kept in a 0600 file made at first start. */
  readonly sessionSecret: Buffer;
  /** Cookies carry Secure: true unless the app serves plain HTTP on loopback (tests, reverse proxy on the same host). */
  readonly secureCookies: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** The signed-in user; null only on 'public' routes. */
    webUser: WebUser | null;
    /** Records a change in the audit log under the signed-in user's name. */
    audit(action: string, detail: string): void;
  }
  interface FastifyReply {
    /** Renders web/views/<view>.eta (escaped output) inside the layout, or alone for an htmx
     *  request, as text/html. The view sees its data as `it`, plus it.user, it.csrfToken,
     *  it.nav and it.product. */
    page(view: string, title: string, data?: Record<string, unknown>): FastifyReply;
  }
}
