// The three RFC 2981 trigger tests on one sampled instance, as pure state transitions.
//
// Threshold and boolean tests keep "armed" flags per instance (the model net-snmp's
// mteTrigger.c uses): an event fires only when its condition holds and its flag is armed;
// firing disarms it. A rising event re-arms only once the value has fallen to the falling
// threshold (and vice versa) — the hysteresis that gives one event per crossing. The first
// evaluation of an instance is "startup": the flags move as usual, but an event is reported
// only when mteTriggerThresholdStartup (or mteTriggerBooleanStartup) allows it.
import type { BooleanComparison, ExistenceParams, ThresholdStartup } from './types.js';

export interface ThresholdState {
  risingArmed: boolean;
  fallingArmed: boolean;
}

export const freshThresholdState = (): ThresholdState => ({ risingArmed: true, fallingArmed: true });

export type ThresholdCrossing = 'rising' | 'falling';

/**
 * Test one value against rising/falling thresholds. `startup` is the startup setting, or
 * undefined once the instance has been evaluated before (after startup every crossing counts).
 */
export function thresholdTest(
  state: ThresholdState,
  value: number,
  rising: number,
  falling: number,
  startup: ThresholdStartup | undefined,
): ThresholdCrossing[] {
  const out: ThresholdCrossing[] = [];
  if (value >= rising && state.risingArmed) {
    state.risingArmed = false;
    state.fallingArmed = true;
    if (startup === undefined || startup === 'rising' || startup === 'risingOrFalling') out.push('rising');
  }
  if (value <= falling && state.fallingArmed) {
    state.fallingArmed = false;
    state.risingArmed = true;
    if (startup === undefined || startup === 'falling' || startup === 'risingOrFalling') out.push('falling');
  }
  return out;
}

export function compare(value: number, op: BooleanComparison, against: number): boolean {
  switch (op) {
    case 'unequal':
      return value !== against;
    case 'equal':
      return value === against;
    case 'less':
      return value < against;
    case 'lessOrEqual':
      return value <= against;
    case 'greater':
      return value > against;
    case 'greaterOrEqual':
      return value >= against;
  }
}

export interface BooleanState {
  armed: boolean;
}

/**
 * Boolean test: fires when the comparison becomes true; re-arms when it is false again.
 * `startup` is mteTriggerBooleanStartup on the first evaluation, undefined afterwards.
 */
export function booleanTest(state: BooleanState, value: number, op: BooleanComparison, against: number, startup: boolean | undefined): boolean {
  if (!compare(value, op, against)) {
    state.armed = true;
    return false;
  }
  if (!state.armed) return false;
  state.armed = false;
  return startup === undefined || startup;
}

export type ExistenceChange = 'present' | 'absent' | 'changed';

/**
 * Existence test for one instance. `before` is what the previous sample saw (undefined on
 * the first sample: startup), `now` what this one sees; values are compared as strings.
 */
export function existenceTest(
  params: Pick<ExistenceParams, 'test' | 'startup'>,
  before: { present: boolean; value?: string } | undefined,
  now: { present: boolean; value?: string },
): ExistenceChange | undefined {
  const t = params.test;
  if (before === undefined) {
    if (now.present && t.present && params.startup.present) return 'present';
    if (!now.present && t.absent && params.startup.absent) return 'absent';
    return undefined;
  }
  if (now.present && !before.present) return t.present ? 'present' : undefined;
  if (!now.present && before.present) return t.absent ? 'absent' : undefined;
  if (now.present && before.present && t.changed && now.value !== before.value) return 'changed';
  return undefined;
}
