import type { LoopDelay, ProbeResult } from './types.js';

/**
 * How every format for people words one result. Two pieces, kept apart so that neither repeats
 * the other:
 * - `observedState`: the codes, `closed (refused)`, with the expectation when it is not "open";
 * - `diagnosis`: what was seen and what it means, in words (`the server refused the credentials
 *   of user "netcheck"`), one line.
 * The human report, its wide form, JUnit, Nagios and HTML all call these two. A new fact of a
 * result that people should read (who rejected a packet, the last hop that answered...) is added
 * to `diagnosis` here, once, and every format shows it.
 */

/** `open (auth-failed)`, `closed (refused, expected closed)`. */
export function observedState(result: Pick<ProbeResult, 'state' | 'reason' | 'expected'>): string {
  const expectation = result.expected === 'open' ? '' : `, expected ${result.expected}`;
  return `${result.state} (${result.reason}${expectation})`;
}

/**
 * The diagnosis in words: the verdict step's message (src/verdict/judge.ts), which already names
 * the expectation when it is not "open" and the findings that raised the verdict. Untrusted text
 * (a banner, a peer's message) may be inside: each format neutralises it its own way.
 */
export function diagnosis(result: Pick<ProbeResult, 'message' | 'loopLateMs'>): string {
  const note = timingNote(result);
  return note === '' ? result.message : `${result.message} ${note}`;
}

/**
 * Said of a result whose timing was taken while the checker's event loop ran late: its time
 * (and an NTP offset or delay) may be that much too long, a fact about the checker, not the path.
 */
export function timingNote(result: Pick<ProbeResult, 'loopLateMs'>): string {
  if (result.loopLateMs === undefined) return '';
  return `(timed while the checker was busy: its event loop ran up to ${result.loopLateMs} ms late, so times may be that much too long)`;
}

/** The run's event-loop delay in one line, for the header of every format for people. */
export function loopDelayText(delay: LoopDelay): string {
  const late =
    delay.lateResults === 0
      ? `no result timed while it ran ${delay.lateMs} ms late or more`
      : `${delay.lateResults} result${delay.lateResults === 1 ? '' : 's'} timed while it ran ${delay.lateMs} ms late or more (marked "timed while the checker was busy")`;
  return `Event loop delay p50 ${delay.p50Ms} ms, p99 ${delay.p99Ms} ms, max ${delay.maxMs} ms; ${late}`;
}
