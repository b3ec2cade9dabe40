// Directives of the privacy module: how identity headers (P-Asserted-Identity,
// Remote-Party-ID, Diversion) are trusted, added and removed. Trust comes from the
// access-control lists: "Allow/Deny from" for upstream hosts, "Allow/Deny to" for downstream.
import { directivesFor } from '../../config/define.js';
import type { ValuesOf } from '../../config/spec.js';

const d = directivesFor('privacy', 'privacy');

export const privacyDirectives = [
  d.onOff('Privacy', {
    default: false,
    doc: 'Honour privacy requests. Upstream hosts that pass the Allow/Deny from check are trusted, and downstream hosts that pass the Allow/Deny to check (under the same Order) are trusted; the settings below say what happens to each header.',
  }),
  d.onOff('PrivacyWithPAI', {
    default: false,
    doc: 'Manage P-Asserted-Identity in INVITEs: keep it from trusted hosts and strip it from others, assert the authenticated user on authenticated requests, and remove it toward untrusted hosts when the caller asked for privacy (Privacy: id, or an Anonymous display name). Off passes it untouched.',
  }),
  d.onOff('PrivacyWithRPID', {
    default: false,
    doc: 'Manage Remote-Party-ID in INVITEs the same way, using its privacy=full token (added when the From display name is Anonymous) to decide what untrusted hosts may see. Off passes it untouched.',
  }),
  d.onOff('PrivacyWithDiversion', {
    default: false,
    doc: 'Manage Diversion headers: keep them only from trusted hosts, correct the top one after a 3xx to match the request actually sent, and show a privacy=full one as Anonymous to untrusted hosts. Off passes them untouched.',
  }),
] as const;

type PrivacyValues = ValuesOf<typeof privacyDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends PrivacyValues {}
}
