import type { ProbeResult } from './types.js';

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
export function diagnosis(result: Pick<ProbeResult, 'message'>): string {
  return result.message;
}
