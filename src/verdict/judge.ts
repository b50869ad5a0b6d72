import type { Finding, ProbeFacts } from '../core/probe.js';
import type { Expectation, TransportState, Verdict } from '../core/model.js';
import type { ReasonCatalogue, ReasonInfo } from '../core/reasons.js';

/**
 * The verdict step: compares what a probe saw (facts) with what the matrix expects.
 * Probes never decide; everything here reads the facts and the reason catalogue's outcomes.
 */

export interface Judgement {
  readonly verdict: Verdict;
  readonly message: string;
}

const UNREACHED: ReadonlySet<TransportState> = new Set(['closed', 'filtered', 'unresolved']);
const SEVERITY: Record<Verdict, number> = { skip: 0, pass: 1, warn: 2, fail: 3 };
const BY_OUTCOME: Record<ReasonInfo['outcome'], Verdict> = { ok: 'pass', warn: 'warn', fail: 'fail' };
const BY_FINDING: Record<Finding['severity'], Verdict> = { info: 'pass', warn: 'warn', fail: 'fail' };

const worst = (a: Verdict, b: Verdict): Verdict => (SEVERITY[b] > SEVERITY[a] ? b : a);

export function judge(expected: Expectation, facts: ProbeFacts, reasons: ReasonCatalogue): Judgement {
  const info = reasons[facts.reason];
  const detail = describe(facts, info);
  // The message says what the state and reason code mean, never the two codes themselves: every
  // report shows those in their own fields, and a message that repeats them reads twice
  // (`open (auth-failed): open (auth-failed): ...` in JUnit).
  if (facts.reason === 'aborted') return { verdict: 'skip', message: `not finished: ${detail}` };
  if (info === undefined) return { verdict: 'fail', message: 'the probe reported a reason code this version does not know' };

  if (expected === 'closed') return judgeExpectedClosed(facts, detail);
  if (expected === 'reachable' && facts.state === 'closed') {
    return { verdict: 'pass', message: `reached: the host refused, so the path is not blocked - ${detail}` };
  }

  if (UNREACHED.has(facts.state)) return { verdict: 'fail', message: detail };
  let verdict = BY_OUTCOME[info.outcome];
  const findings = facts.findings ?? [];
  // Most results have no finding: their message is the reason's summary itself, shared, not a copy.
  if (findings.length === 0) return { verdict, message: detail };
  const byReason = verdict;
  for (const finding of findings) verdict = worst(verdict, BY_FINDING[finding.severity]);
  const notes = findings.filter((f) => f.severity !== 'info').map((f) => f.message);
  // When a finding is what makes the verdict worse, it leads: a line cut to a terminal's width
  // still says why (`the reply has no Message-Authenticator...`, not `the server answered...`).
  return { verdict, message: (verdict === byReason ? [detail, ...notes] : [...notes, detail]).join('; ') };
}

/** Firewall checks: the path must not be open. */
function judgeExpectedClosed(facts: ProbeFacts, detail: string): Judgement {
  switch (facts.state) {
    case 'closed':
    case 'filtered':
      return { verdict: 'pass', message: `blocked as expected: ${detail}` };
    case 'open':
      return { verdict: 'fail', message: `expected closed, but it is open: ${detail}` };
    case 'open|filtered':
      return { verdict: 'warn', message: `expected closed; silence cannot prove it: ${detail}` };
    default:
      return { verdict: 'fail', message: `expected closed, not tested: ${detail}` };
  }
}

function describe(facts: ProbeFacts, info: ReasonInfo | undefined): string {
  const summary = info?.summary ?? facts.reason;
  return facts.message === undefined || facts.message === '' ? summary : `${summary} - ${facts.message}`;
}
