import { abortKind, deadlineSignal } from '../../../src/core/abort.js';
import type { HostCredentials } from '../../../src/core/credentials.js';
import { TRANSPORT_STATES } from '../../../src/core/model.js';
import type { ProbeContext, ProbeDefinition, ProbeFacts, ProbeTarget } from '../../../src/core/probe.js';
import { Secret } from '../../../src/core/secret.js';
import { TRANSPORT_REASONS } from '../../../src/core/transport-reasons.js';
import { capturingLogger } from '../probe-context.js';

/**
 * One run of a probe, watched from the harness: how it settled (facts, or an exception), whether
 * it was still running well after its signal fired, and what it logged. Nothing here judges
 * speed: the only clock is the probe's own signal.
 */

/**
 * How long after its signal fires a probe may take to settle. A probe that heeds the signal
 * settles within milliseconds (it closes a socket and resolves); the rest is room for an event
 * loop stalled on a loaded machine (2 cores shared by several whole test runs), so that a correct
 * probe never fails, while a probe on a timer of its own (the 20 s of a library default) still
 * does. A probe that overruns by less than this passes: the check is "stops at its signal", not
 * "stops fast".
 */
export const GRACE_MS = 2000;

/** Marks every credential the suite hands over, so that any copy of one can be found. */
export const MARKER = 'S3cr3t-marker-7f1c';
export const CREDENTIALS: HostCredentials = {
  ssh: { username: 'netcheck', password: new Secret(`${MARKER}-ssh`) },
  snmp: { version: '2c', community: new Secret(`${MARKER}-community`) },
  radius: {
    secret: new Secret(`${MARKER}-radius`),
    probeUser: { username: 'probe', password: new Secret(`${MARKER}-radius-user`) },
  },
  responder: { name: 'conformance-prober', token: new Secret(`${MARKER}-responder`) },
};

export interface RunSpec {
  readonly timeoutMs: number;
  readonly maxBytes?: number;
  /** The run's own signal, as the runner's shutdown signal (already aborted: interrupted before the start). */
  readonly parent?: AbortSignal;
}

export interface Observation {
  /** Present when the probe resolved in time. */
  readonly facts?: ProbeFacts;
  /** Present when the probe threw or rejected. */
  readonly error?: unknown;
  /** Its signal fired (deadline or interruption) before it settled. */
  readonly signalledFirst: boolean;
  /** Why the signal fired, when it did. */
  readonly signal?: 'timeout' | 'aborted';
  /** Still unsettled GRACE_MS after its signal fired; the harness stopped waiting for it. */
  readonly stillRunning: boolean;
  readonly logLines: readonly string[];
}

/** Run the probe the way the runner does (one deadline, its defaults), and watch how it ends. */
export async function observe(probe: ProbeDefinition<unknown>, target: ProbeTarget, spec: RunSpec): Promise<Observation> {
  const { log, lines } = capturingLogger();
  const deadline = deadlineSignal(spec.timeoutMs, spec.parent);
  const ctx: ProbeContext<unknown> = {
    signal: deadline.signal,
    timeoutMs: spec.timeoutMs,
    options: probe.optionsSchema.parse({}),
    credentials: CREDENTIALS,
    maxBytes: spec.maxBytes ?? 65536,
    log,
  };
  let signalled = deadline.signal.aborted;
  let giveUp: NodeJS.Timeout | undefined;
  // Listens before the probe runs, so `signalled` is set before any of the probe's own listeners run.
  const gaveUp = new Promise<'still-running'>((resolve) => {
    const onSignal = (): void => {
      signalled = true;
      giveUp = setTimeout(() => resolve('still-running'), GRACE_MS);
    };
    if (deadline.signal.aborted) onSignal();
    else deadline.signal.addEventListener('abort', onSignal, { once: true });
  });
  const settled = Promise.resolve()
    .then(() => probe.run(target, ctx))
    .then(
      (facts) => ({ facts, signalledFirst: signalled }),
      (error: unknown) => ({ error, signalledFirst: signalled }),
    );
  try {
    const outcome = await Promise.race([settled, gaveUp]);
    const signal = deadline.signal.aborted ? abortKind(deadline.signal) : undefined;
    const base = { logLines: lines, ...(signal === undefined ? {} : { signal }) };
    if (outcome === 'still-running') return { ...base, signalledFirst: true, stillRunning: true };
    return { ...base, ...outcome, stillRunning: false };
  } finally {
    clearTimeout(giveUp);
    deadline.cancel();
  }
}

/**
 * What every run must show, whatever the peer did: it settled after its signal within the grace,
 * without an exception, with well-formed facts, a reason it declares, and no credential in its
 * result or its logs.
 */
export function contractProblems(probe: ProbeDefinition<unknown>, observed: Observation, spec: RunSpec): string[] {
  const problems: string[] = [];
  if (observed.stillRunning) {
    problems.push(
      observed.signal === 'timeout'
        ? `overran its deadline: still running ${GRACE_MS} ms after its ${spec.timeoutMs} ms deadline fired`
        : `ignored the abort: still running ${GRACE_MS} ms after the run was interrupted`,
    );
    return problems;
  }
  if (observed.error !== undefined) {
    const text = observed.error instanceof Error ? observed.error.message : String(observed.error);
    problems.push(`threw for remote behaviour ("${text}"): a probe records what the peer did as facts`);
  }
  const facts = observed.facts;
  if (facts !== undefined) {
    if (!(TRANSPORT_STATES as readonly string[]).includes(facts.state)) problems.push(`reported an unknown state "${facts.state}"`);
    if (!Object.hasOwn(TRANSPORT_REASONS, facts.reason) && !Object.hasOwn(probe.reasons, facts.reason)) {
      problems.push(`reported an undeclared reason "${facts.reason}" (neither in its reasons nor in the transport catalogue)`);
    }
    const timings = facts.timings as Record<string, unknown> | undefined;
    if (typeof timings?.total !== 'number' || !(timings.total >= 0)) problems.push('reported no total time');
    for (const [phase, value] of Object.entries(timings ?? {})) {
      if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`reported a timing "${phase}" that is not a number`);
    }
    if (JSON.stringify(facts).includes(MARKER)) problems.push('leaked a credential into its result');
  }
  if (observed.logLines.some((line) => line.includes(MARKER))) problems.push('leaked a credential into its logs');
  return problems;
}
