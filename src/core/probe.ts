import type { Logger } from 'pino';
import type { z } from 'zod';
import type { HostCredentials } from './credentials.js';
import type { Transport, TransportState } from './model.js';
import type { ReasonCatalogue } from './reasons.js';
import type { TransportReason } from './transport-reasons.js';

/** Where a probe goes. The planner fills it from a matrix row and an inventory host. */
export interface ProbeTarget {
  /** Inventory name of the target host (for messages; never resolved). */
  readonly host: string;
  /** IPv4/IPv6 literal or DNS name, exactly as the inventory gives it. */
  readonly address: string;
  /** Undefined for ICMP. */
  readonly port: number | undefined;
  readonly transport: Transport;
  /** NE type when the target is a network element (e.g. to pick TL1 dialect); informative. */
  readonly neType?: string;
}

export interface ProbeContext<Options> {
  /**
   * The one deadline. It aborts at the probe's timeout and on shutdown (Ctrl-C). Every socket,
   * timer and library call of the probe must stop when it fires.
   */
  readonly signal: AbortSignal;
  /** Milliseconds the probe has in all (the same deadline as `signal`, for libraries that want a number). */
  readonly timeoutMs: number;
  /** This probe's options: its defaults merged with the inventory's global and per-host settings. */
  readonly options: Options;
  /** Credentials of the target host; a probe reads only its own slot. */
  readonly credentials: HostCredentials;
  /** Upper bound on bytes read from the peer over the whole exchange. */
  readonly maxBytes: number;
  readonly log: Logger;
}

/** Milliseconds per phase, measured with a monotonic clock; `total` is always present. */
export interface PhaseTimings {
  total: number;
  [phase: string]: number;
}

export type EvidenceValue = string | number | boolean | null | readonly string[];
/** What the probe saw that proves its state: banner, capabilities, stratum, certificate... */
export type Evidence = Readonly<Record<string, EvidenceValue>>;

/** Something worth telling beyond the state, e.g. a security weakness. */
export interface Finding {
  /** Stable kebab-case code, e.g. `radius-no-message-authenticator`. */
  readonly code: string;
  readonly severity: 'info' | 'warn' | 'fail';
  readonly message: string;
}

/**
 * The facts a probe records. It never decides pass or fail: the verdict step does.
 * `Reason` narrows the codes a probe may report (see `ReasonOf`); the runner, the verdict and the
 * reports take any code, as plain strings.
 */
export interface ProbeFacts<Reason extends string = string> {
  readonly state: TransportState;
  /** A code from the transport catalogue or from the probe's own `reasons`. */
  readonly reason: Reason;
  /** One short human line of detail (never a secret). */
  readonly message?: string;
  readonly timings: PhaseTimings;
  readonly evidence?: Evidence;
  readonly findings?: readonly Finding[];
  readonly bytesRead?: number;
  /**
   * The local (source) port of the attempt's TCP or UDP socket, as `socket.address()` gave it
   * after connect; filled in by the probe kit where an ICMP error could explain the outcome. The
   * ICMP error observer matches the quoted header by it, so two probes to one destination port
   * are told apart.
   */
  readonly localPort?: number;
}

/** The codes a probe with the catalogue `Reasons` may report: its own and the shared transport codes. */
export type ReasonOf<Reasons extends ReasonCatalogue> = TransportReason | (keyof Reasons & string);

/** Facts without what the probe kit fills in at the end (timings, bytes read, local port). */
export type Outcome<Reason extends string = string> = Omit<ProbeFacts<Reason>, 'timings' | 'bytesRead' | 'localPort'>;

/**
 * A pluggable probe: one file in probes/, a default export of this shape, one line in
 * probes/registry.ts. `Reasons` is its catalogue and `Reason` the codes its facts may carry;
 * both default to "any", which is how the registry, the runner and the reports see probes.
 */
export interface ProbeDefinition<
  Options = Record<string, never>,
  Reasons extends ReasonCatalogue = ReasonCatalogue,
  Reason extends string = ReasonOf<Reasons>,
> {
  /** Registry key; also the value used in the matrix's `probe` field. */
  readonly kind: string;
  readonly transport: Transport;
  /** One line for `psm-netcheck probes` and the README. */
  readonly summary: string;
  /**
   * Options with documented defaults (`.default()` and `.describe()` on every field). The inventory
   * accepts them under `probes.<kind>` and per host; `optionsSchema.parse({})` gives the defaults.
   */
  readonly optionsSchema: z.ZodType<Options>;
  /** Reasons this probe can report beyond the shared transport catalogue. */
  readonly reasons: Reasons;
  /**
   * Run once against one target. Must resolve (never reject) for anything the remote side does,
   * stop when `ctx.signal` aborts, and never read more than `ctx.maxBytes`. The facts carry only
   * codes of `reasons` or of the transport catalogue: another code does not compile.
   */
  run(target: ProbeTarget, ctx: ProbeContext<Options>): Promise<ProbeFacts<Reason>>;
  /**
   * Loads what `run` needs from disk (its third-party libraries), once per process. The runner
   * calls it for every kind in the plan before the first deadline starts, so that loading a
   * library (ssh2 holds a whole turn of the event loop: docs/benchmarks.md, item 8) never counts
   * against a probe's time. Must not reject: a library that fails to load is reported by `run`,
   * as a local error.
   */
  prepare?(): Promise<void>;
}

/**
 * Define a probe with its option type inferred from its schema and its reason codes from its
 * `reasons` object, so that `run` can return only codes the probe declares (or transport codes).
 */
export function defineProbe<Options, const Reasons extends ReasonCatalogue>(
  probe: ProbeDefinition<Options, Reasons, NoInfer<ReasonOf<Reasons>>>,
): ProbeDefinition<Options, Reasons> {
  return probe;
}
