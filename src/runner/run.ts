import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { ms, now } from '../core/clock.js';
import { probeFor } from '../../probes/registry.js';
import type { PhaseTimings, ProbeFacts, ProbeTarget } from '../core/probe.js';
import type { RunSettings } from '../core/settings.js';
import type { PlannedProbe } from '../planner/types.js';
import { REASONS } from '../../probes/reason-catalogue.js';
import type { ProbeResult } from '../report/types.js';
import { judge } from '../verdict/judge.js';
import { Admission } from './admission.js';
import { Deadlines } from './deadlines.js';
import { elementKeys } from './elements.js';
import { LATE_MS, LoopDelayWatch, type LoopDelaySummary } from './loop-delay.js';
import { ECHO_KINDS, laneWorthIt, TIMING_KINDS, TimingLane } from './timing-lane.js';
import { schedule } from './scheduler.js';

/** The run settings (src/core/settings.ts, concurrency resolved), and what one run needs besides. */
export interface RunOptions extends RunSettings {
  /** The vantage's host name, the `source` of every result. */
  readonly source: string;
  /** Aborted on Ctrl-C / SIGTERM: no new probe starts, running ones stop. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Called as each probe finishes (progress display). */
  readonly onResult?: (result: ProbeResult) => void;
  /** Called once nothing is left to start for now (scheduler.ts): the run mostly waits from then on. */
  readonly onDrained?: () => void;
  /**
   * Run NTP and plain TCP probes in their own thread when the plan mixes them with other kinds
   * (./timing-lane.ts). @default true; false only to measure the difference (the benchmark).
   */
  readonly timingLane?: boolean;
}

export interface RunOutcome {
  readonly results: ProbeResult[];
  /** False when the run was interrupted before every probe finished. */
  readonly complete: boolean;
  /**
   * How late the event loop ran during the run: how far its timings can be trusted. `laneResults`:
   * the results timed in a lane (NTP and TCP in the thread, ICMP echo in the process), to which
   * the main loop's delay does not apply; `lane`: how late the lanes' own loops ran.
   */
  readonly loopDelay: LoopDelaySummary & { readonly laneResults: number };
}

/** The run's lanes (./timing-lane.ts): NTP and TCP in a thread, ICMP echo in a process; each only in a mixed run. */
interface Lanes {
  readonly timing: TimingLane | undefined;
  readonly echo: TimingLane | undefined;
}

/** The lane a probe of `kind` runs in, if any. */
function laneOf(kind: string, lanes: Lanes): TimingLane | undefined {
  if (TIMING_KINDS.has(kind)) return lanes.timing;
  if (ECHO_KINDS.has(kind)) return lanes.echo;
  return undefined;
}

/**
 * UDP and ICMP retries wait this long after the previous attempt began: Linux rate-limits ICMP
 * errors to one per second per destination, so a quicker retry could miss "port unreachable".
 */
const DATAGRAM_RETRY_SPACING_MS = 1000;

/** Runs the plan with the global and per-host limits; results come back in plan order. */
export async function runPlan(probes: readonly PlannedProbe[], settings: RunOptions): Promise<RunOutcome> {
  // Datagram retries wait on the run signal; thousands at once are expected, not a leak.
  setMaxListeners(0, settings.signal);
  // Libraries load before any deadline starts: the first probes of a kind must not pay for them.
  const kinds = new Set(probes.map((planned) => planned.probe));
  await Promise.all([...kinds].map((kind) => probeFor(kind).prepare?.()));
  const lanesOn = settings.timingLane !== false && TimingLane.available();
  const lanes: Lanes = {
    timing: lanesOn && laneWorthIt(kinds) ? new TimingLane('thread') : undefined,
    echo: lanesOn && laneWorthIt(kinds, ECHO_KINDS) ? new TimingLane('process') : undefined,
  };
  const deadlines = new Deadlines(settings.timeoutMs, settings.signal);
  const admission = new Admission(settings.concurrency, settings.timeoutMs);
  // The longest one probe can be timed: every attempt and the pauses between them.
  const horizonMs = (settings.retries + 1) * (settings.timeoutMs + DATAGRAM_RETRY_SPACING_MS);
  const loop = new LoopDelayWatch(horizonMs);
  const results: (ProbeResult | undefined)[] = new Array(probes.length);
  const keys = elementKeys(probes);
  const tasks = probes.map((planned, index) => ({
    key: keys[index] ?? planned.target,
    run: () => runWithRetries(planned, index, results, settings, deadlines, admission, loop, lanes),
  }));
  let laneDelays: (LoopDelaySummary | undefined)[] = [];
  try {
    // The lanes load their probes meanwhile: only their own probes wait for that (runWithRetries).
    if (lanes.timing !== undefined || lanes.echo !== undefined) {
      void Promise.all([lanes.timing?.ready, lanes.echo?.ready]).then(() =>
        settings.log.debug({ timingLaneRaised: lanes.timing?.raised, echoLaneRaised: lanes.echo?.raised }, 'lanes ready (raised: scheduled ahead of the main thread)'),
      );
    }
    await schedule(
      tasks,
      {
        global: settings.concurrency,
        perKey: settings.perHostConcurrency,
        timeoutMs: settings.timeoutMs,
        admission,
        maxRate: settings.maxRate,
        ...(settings.onDrained === undefined ? {} : { onDrained: settings.onDrained }),
      },
      (result) => {
        if (result !== undefined) settings.onResult?.(result);
      },
      () => settings.signal.aborted,
    );
  } finally {
    deadlines.dispose();
    laneDelays = await Promise.all([lanes.timing?.close(), lanes.echo?.close()]);
  }
  const main = loop.stop();
  // The lanes' loops in one figure, the worst of each (a reader needs to know how far to trust them).
  const laneFigures = laneDelays.filter((d): d is LoopDelaySummary => d !== undefined);
  const worst = (pick: (d: LoopDelaySummary) => number): number => Math.max(...laneFigures.map(pick));
  const loopDelay =
    laneFigures.length === 0 ? main : { ...main, lane: { p50Ms: worst((d) => d.p50Ms), p99Ms: worst((d) => d.p99Ms), maxMs: worst((d) => d.maxMs) } };
  const finished = results.filter((r): r is ProbeResult => r !== undefined);
  const laneResults = finished.filter((r) => laneOf(r.probe, lanes) !== undefined).length;
  return {
    results: finished,
    complete: !settings.signal.aborted && finished.length === probes.length,
    loopDelay: { ...loopDelay, laneResults },
  };
}

/**
 * One planned probe: attempts until a definite answer, a non-retryable reason, or the retry
 * budget. Stores its result at `index` (nothing when shutdown cut it short) and returns it.
 */
async function runWithRetries(
  planned: PlannedProbe,
  index: number,
  results: (ProbeResult | undefined)[],
  settings: RunOptions,
  deadlines: Deadlines,
  admission: Admission,
  loop: LoopDelayWatch,
  lanes: Lanes,
): Promise<ProbeResult | undefined> {
  const lane = laneOf(planned.probe, lanes);
  // A lane probe starts once its lane has loaded its probes: no deadline runs while it loads.
  if (lane !== undefined) await lane.ready;
  const startedAt = isoNow();
  const target: ProbeTarget =
    planned.neType === undefined
      ? { host: planned.target, address: planned.address, port: planned.port, transport: planned.transport }
      : { host: planned.target, address: planned.address, port: planned.port, transport: planned.transport, neType: planned.neType };
  let attempts = 0;
  let facts: ProbeFacts;
  const first = now();
  // Each attempt's own timings, kept when there was more than one; `timings.total` spans them all.
  const each: PhaseTimings[] = [];
  // How late the lane's own loop ran while it timed this probe's attempts (lane probes only).
  const laneLate = { ms: 0 };
  // Each attempt's source port, where the probe kit knew it: the ICMP error observer matches by it.
  const ports: number[] = [];
  for (;;) {
    const began = now();
    attempts++;
    facts = await attempt(planned, target, settings, deadlines, lane, laneLate);
    each.push(facts.timings);
    if (facts.localPort !== undefined) ports.push(facts.localPort);
    const retryable = REASONS[facts.reason]?.retryable === true;
    const ended = now();
    admission.attempt(ended - began, retryable && facts.state === 'open', !retryable && facts.reason !== 'aborted', ended);
    if (!retryable || attempts > settings.retries || settings.signal.aborted) break;
    settings.log.debug({ probe: planned.id, reason: facts.reason, attempts }, 'retrying after a timeout');
    if (planned.transport !== 'tcp') await pause(DATAGRAM_RETRY_SPACING_MS - (now() - began), settings.signal);
  }
  // A probe cut short by shutdown did not finish: it is left out of the (incomplete) report.
  if (facts.reason === 'aborted') return undefined;

  const { verdict, message } = judge(planned.expected, facts, REASONS);
  if (settings.log.isLevelEnabled('debug')) {
    settings.log.debug({ probe: planned.id, state: facts.state, reason: facts.reason, verdict }, 'probe finished');
  }
  const last = now();
  // A probe timed in the lane's thread was not delayed by this loop, only by the lane's own.
  const late = lane !== undefined ? laneLate.ms : loop.lateDuring(first, last);
  if (late >= LATE_MS) loop.countLate();
  const result: ProbeResult = {
    id: planned.id,
    rows: planned.rows,
    tables: planned.tables,
    application: planned.application,
    probe: planned.probe,
    source: settings.source,
    target: planned.target,
    targetRole: planned.targetRole,
    address: planned.address,
    transport: planned.transport,
    port: planned.port ?? null,
    expected: planned.expected,
    state: facts.state,
    reason: facts.reason,
    attempts,
    timings: { ...facts.timings, total: attempts === 1 ? facts.timings.total : ms(last - first) },
    ...(attempts > 1 ? { attemptTimings: each } : {}),
    ...(late >= LATE_MS ? { loopLateMs: Math.round(late) } : {}),
    ...(ports.length > 0 ? { sourcePorts: ports } : {}),
    evidence: facts.evidence ?? NO_EVIDENCE,
    findings: facts.findings ?? NO_FINDINGS,
    verdict,
    message,
    startedAt,
  };
  results[index] = result;
  return result;
}

/**
 * The wall-clock time as ISO 8601, the same string for probes started in the same millisecond
 * (hundreds start together in a large run; each result keeps its string).
 */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastIsoMs) {
    lastIsoMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
let lastIsoMs = 0;
let lastIso = '';

/** Shared by every result without evidence or findings: a run keeps tens of thousands of results. */
const NO_EVIDENCE = Object.freeze({});
const NO_FINDINGS: readonly never[] = Object.freeze([]);

async function attempt(
  planned: PlannedProbe,
  target: ProbeTarget,
  settings: RunOptions,
  deadlines: Deadlines,
  lane: TimingLane | undefined,
  laneLate: { ms: number },
): Promise<ProbeFacts> {
  const deadline = deadlines.start();
  const started = now();
  try {
    const ctx = {
      signal: deadline.signal,
      timeoutMs: settings.timeoutMs,
      options: planned.options,
      credentials: planned.credentials,
      maxBytes: settings.maxBytes,
      log: settings.log,
    };
    // Probes whose result is a time run where no other probe's work can delay their timestamps.
    if (lane !== undefined) {
      const outcome = await lane.run(planned.probe, target, ctx);
      laneLate.ms = Math.max(laneLate.ms, outcome.loopLateMs ?? 0);
      return outcome.facts;
    }
    return await probeFor(planned.probe).run(target, ctx);
  } catch (error) {
    // A probe must never throw; if one does, that is a bug in it, reported as a local error.
    settings.log.error({ probe: planned.id, err: error }, 'probe threw: this is a bug');
    return {
      state: 'error',
      reason: 'local-error',
      message: `probe failed internally: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300),
      timings: { total: now() - started },
    };
  } finally {
    deadline.cancel();
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
