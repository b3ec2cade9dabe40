// Directives of the call-forwarding module. Targets come from each subscriber's record
// (dest_url_cfu/cfb/cfna/cfunv), so forwarding needs the subscriber store.
import { directivesFor } from '../../config/define.js';
import type { ValuesOf } from '../../config/spec.js';

const d = directivesFor('callforward', 'call-forwarding');

export const callforwardDirectives = [
  d.onOff('CallForwardUnconditional', {
    default: false,
    doc: 'Send every call for a subscriber who has an unconditional forwarding target straight to that target.',
  }),
  d.onOff('CallForwardNoAnswer', {
    default: false,
    doc: 'Forward a call that is still unanswered after CallForwardNoAnswerTimer to the subscriber\'s no-answer target.',
  }),
  d.onOff('CallForwardBusy', {
    default: false,
    doc: 'Forward a call to the subscriber\'s busy target when the callee answers 486 Busy Here.',
  }),
  d.onOff('CallForwardUnavailable', {
    default: false,
    doc: 'Forward a call to the subscriber\'s unavailable target when the subscriber has no current registration, or is registered but does not respond within CallForwardUnavailableTimer.',
  }),
  d.int('CallForwardNoAnswerTimer', {
    default: 24000,
    min: 1000,
    max: 600000,
    unit: 'ms',
    doc: 'Ringing time before a call is forwarded on no answer; used only with CallForwardNoAnswer On.',
  }),
  d.int('CallForwardUnavailableTimer', {
    default: 24000,
    min: 1000,
    max: 600000,
    unit: 'ms',
    doc: 'Time without any response from a registered subscriber before the call is forwarded as unavailable; used only with CallForwardUnavailable On.',
  }),
  d.onOff('AddDiversionHeader', {
    default: true,
    doc: 'Add a diversion header (named by DiversionHeaderName) when forwarding, so the next hop learns who forwarded the call and why. It matters only when some forwarding is On.',
  }),
  d.oneOf('DiversionHeaderName', {
    values: ['Diversion', 'CC-Diversion', 'CC-Redirect'],
    default: 'Diversion',
    doc: 'Name of the header added on forwarding; CC-Diversion and CC-Redirect are older spellings some Cisco equipment expects. With Diversion, a subscriber marked private gets privacy=full in it.',
  }),
] as const;

type CallforwardValues = ValuesOf<typeof callforwardDirectives>;
declare module '../../config/values.js' {
  interface ConfigValues extends CallforwardValues {}
}
