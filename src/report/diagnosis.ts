import { PROHIBITIONS } from '../core/icmp-reasons.js';
import type { IcmpErrorFact, LocateFact, LoopDelay, PathDiagnosis, ProbeResult } from './types.js';

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

/**
 * `open (auth-failed)`, `closed (refused, expected closed)`; with the ICMP error observer's fact,
 * who said so: `filtered (admin-prohibited by 198.51.100.1)`, `closed (port-unreachable from the
 * target)`, `filtered (host-unreachable from router 198.51.100.66)`.
 */
export function observedState(result: Pick<ProbeResult, 'state' | 'reason' | 'expected' | 'icmp'>): string {
  const expectation = result.expected === 'open' ? '' : `, expected ${result.expected}`;
  return `${result.state} (${result.reason}${icmpSender(result)}${expectation})`;
}

/** ` by 198.51.100.1` for a firewall's rejection, ` from router X` for a router, ` from the target`. */
function icmpSender(result: Pick<ProbeResult, 'reason' | 'icmp'>): string {
  const icmp = result.icmp;
  if (icmp === undefined || icmp.reason !== result.reason) return '';
  if (icmp.fromTarget) return ' from the target';
  return PROHIBITIONS.has(icmp.reason) ? ` by ${icmp.from}` : ` from router ${icmp.from}`;
}

/**
 * The diagnosis in words: the verdict step's message (src/verdict/judge.ts), which already names
 * the expectation when it is not "open" and the findings that raised the verdict, then where a
 * silent path stops (`--locate`). Untrusted text (a banner, a peer's message) may be inside: each
 * format neutralises it its own way.
 */
export function diagnosis(result: Pick<ProbeResult, 'message' | 'locate' | 'icmp' | 'loopLateMs'>): string {
  const parts = [result.message];
  if (result.icmp !== undefined) parts.push(icmpText(result.icmp));
  if (result.locate !== undefined) parts.push(locateText(result.locate));
  const note = timingNote(result);
  return note === '' ? parts.join('; ') : `${parts.join('; ')} ${note}`;
}

/** `ICMP type 3 code 13 (admin-prohibited) from router 198.51.100.66`. */
export function icmpText(icmp: IcmpErrorFact): string {
  const kind = icmp.family === 4 ? 'ICMP' : 'ICMPv6';
  const sender = icmp.fromTarget ? `the target ${icmp.from}` : `${PROHIBITIONS.has(icmp.reason) ? 'firewall' : 'router'} ${icmp.from}`;
  return `${kind} type ${icmp.type} code ${icmp.code} (${icmp.reason}) from ${sender}`;
}

/** `dropped after hop 3 (198.51.100.1); the target is 5 hops away by ICMP`. */
export function locateText(locate: LocateFact): string {
  const byIcmp = locate.targetHopsByIcmp === undefined ? '' : `; the target is ${locate.targetHopsByIcmp} hops away by ICMP`;
  if (locate.reachedTarget) return `the ${METHOD_TEXT[locate.method]} probes reached the target: nothing on the way drops them${byIcmp}`;
  if (locate.lastHop === 0) return `no hop answered ${METHOD_TEXT[locate.method]} probes up to TTL ${locate.maxHops}${byIcmp}`;
  return `dropped after hop ${locate.lastHop} (${locate.lastHopAddress ?? 'address unknown'})${byIcmp}`;
}

const METHOD_TEXT: Readonly<Record<LocateFact['method'], string>> = { 'tcp-syn': 'TCP SYN', udp: 'UDP', 'icmp-echo': 'ICMP echo' };

/** One line for the report's head when the observer or --locate could not run (no CAP_NET_RAW). */
export function pathDiagnosisNote(section: PathDiagnosis | undefined): string | undefined {
  if (section === undefined) return undefined;
  const off: string[] = [];
  if (!section.icmpObserver.on) off.push(`ICMP error observer off (${section.icmpObserver.why ?? 'unknown'})`);
  if (!section.locate.on) off.push(`--locate off (${section.locate.why ?? 'unknown'})`);
  if (section.locate.on && section.locate.skipped > 0) off.push(`--locate skipped ${section.locate.skipped} silent path(s) (cap reached)`);
  return off.length === 0 ? undefined : `${off.join('; ')}: results keep the socket's own classification`;
}

/**
 * Said of a result whose timing was taken while the checker's event loop ran late: its time
 * (and an NTP offset or delay) may be that much too long, a fact about the checker, not the path.
 */
export function timingNote(result: Pick<ProbeResult, 'loopLateMs'>): string {
  if (result.loopLateMs === undefined) return '';
  // The mark is the main loop's lateness, or the timing lane's for the probes timed there.
  return `(timed while the checker was busy: its event loop ran up to ${result.loopLateMs} ms late, so times may be that much too long)`;
}

/** The run's event-loop delay in one line, for the header of every format for people. */
export function loopDelayText(delay: LoopDelay): string {
  const late =
    delay.lateResults === 0
      ? `no result timed while it ran ${delay.lateMs} ms late or more`
      : `${delay.lateResults} result${delay.lateResults === 1 ? '' : 's'} timed while it ran ${delay.lateMs} ms late or more (marked "timed while the checker was busy")`;
  const laneLoop = delay.lane === undefined ? '' : `; timing lane p50 ${delay.lane.p50Ms} ms, p99 ${delay.lane.p99Ms} ms, max ${delay.lane.maxMs} ms`;
  const lane =
    delay.laneResults === undefined || delay.laneResults === 0
      ? ''
      : `; ${delay.laneResults} result${delay.laneResults === 1 ? '' : 's'} (NTP, TCP connect, ICMP echo) timed in a lane of their own`;
  return `Event loop delay p50 ${delay.p50Ms} ms, p99 ${delay.p99Ms} ms, max ${delay.maxMs} ms${laneLoop}; ${late}${lane}`;
}
