import type { Verdict } from '../core/model.js';
import type { ProbeResult } from './types.js';

/**
 * How much a verdict asks for attention, most first. A skip ranks above a pass: something that was
 * not verified deserves a look before something that was.
 */
export const VERDICTS_WORST_FIRST: readonly Verdict[] = ['fail', 'warn', 'skip', 'pass'];

const rank = (verdict: Verdict): number => VERDICTS_WORST_FIRST.indexOf(verdict);

export function worstVerdict(verdicts: Iterable<Verdict>): Verdict | undefined {
  let worst: Verdict | undefined;
  for (const verdict of verdicts) {
    if (worst === undefined || rank(verdict) < rank(worst)) worst = verdict;
  }
  return worst;
}

/** Failures first, then by target, port and id, so that every format lists results the same way. */
export function failuresFirst(a: ProbeResult, b: ProbeResult): number {
  return (
    rank(a.verdict) - rank(b.verdict) ||
    compareText(a.target, b.target) ||
    (a.port ?? -1) - (b.port ?? -1) ||
    compareText(a.id, b.id)
  );
}

/** Locale-independent ordering: output must not change with the machine's language settings. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
