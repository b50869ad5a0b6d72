import net from 'node:net';
import { icmpErrorReason } from '../core/icmp-reasons.js';
import type { TransportState } from '../core/model.js';
import type { IcmpObserver } from '../../probes/registry.js';
import { REASONS } from '../../probes/reason-catalogue.js';
import type { IcmpErrorFact, ProbeResult } from '../report/types.js';
import { judge } from '../verdict/judge.js';

/** States an ICMP error can explain: the path did not reach a listening service. */
const EXPLAINABLE: ReadonlySet<TransportState> = new Set(['closed', 'filtered', 'open|filtered']);
/** After the last attempt's deadline, how long an ICMP error may still count as its answer. */
const GRACE_MS = 250;

/**
 * Attach to each result the ICMP error its packets caused, and let it name the reason: the
 * observer's type and code are exact where the socket's errno is not (admin-prohibited is not
 * host-unreachable), and it hears errors a UDP socket ignores (codes 0 and 1: open|filtered
 * becomes filtered, with the router that said so). The match is the quoted header: protocol,
 * destination address and port, and the source port of one of the result's attempts. The window
 * is the probe's attempts: a result carries only its start, so it spans `attempts` deadlines and
 * retry spacings from there.
 */
export function attachIcmpErrors(
  results: readonly ProbeResult[],
  observer: Pick<IcmpObserver, 'lookup'>,
  timing: { readonly timeoutMs: number; readonly retrySpacingMs: number },
): ProbeResult[] {
  return results.map((result) => {
    if (result.transport === 'icmp' || result.port === null || !EXPLAINABLE.has(result.state) || net.isIP(result.address) === 0) return result;
    const from = Date.parse(result.startedAt) - 5;
    const to = from + result.attempts * (timing.timeoutMs + timing.retrySpacingMs) + GRACE_MS;
    // By source port too: two probes of one run to the same destination port (two probe kinds,
    // hosts sharing an address) must each get the error their own packets caused.
    const seen = observer.lookup({
      protocol: result.transport,
      destination: result.address,
      destinationPort: result.port,
      ...(result.sourcePorts === undefined ? {} : { sourcePorts: result.sourcePorts }),
      from,
      to,
    });
    if (seen === undefined) return result;
    const reason = icmpErrorReason(seen.family, seen.type, seen.code);
    if (reason === undefined) return result;
    const icmp: IcmpErrorFact = {
      family: seen.family,
      type: seen.type,
      code: seen.code,
      reason,
      from: seen.from,
      fromTarget: seen.from === seen.quoted.destination,
    };
    const state: TransportState = reason === 'port-unreachable' ? 'closed' : 'filtered';
    const { verdict, message } = judge(
      result.expected,
      { state, reason, timings: result.timings, evidence: result.evidence, findings: result.findings },
      REASONS,
    );
    return { ...result, state, reason, verdict, message, icmp };
  });
}
