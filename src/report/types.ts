import type { Expectation, Role, Transport, TransportState, Verdict } from '../core/model.js';
import type { Evidence, Finding, PhaseTimings } from '../core/probe.js';

/**
 * The JSON report: the reference format. Every other output (human, Prometheus, Nagios, JUnit,
 * HTML) is derived from these objects. Bump REPORT_SCHEMA_VERSION on any change a consumer
 * validating with the previous schema would reject: its objects forbid properties they do not
 * declare (additionalProperties: false), so a new field is such a change. What each version
 * changed: docs/report-schema.md.
 */
export const REPORT_SCHEMA_VERSION = 2;
/**
 * Versions `--compare` and `merge` read. Version 1 is a subset of version 2 (no field removed or
 * retyped), so a version 1 report is read as it is.
 */
export const READABLE_REPORT_VERSIONS = [1, 2] as const;

export interface ProbeResult {
  /** Stable id: `<target>/<address>/<transport>/<port|->/<probe>`; the key for comparing runs. */
  readonly id: string;
  /** Matrix rows this probe verifies (one probe can serve rows of several tables). */
  readonly rows: readonly string[];
  readonly tables: readonly number[];
  /** Application(s) of those rows, e.g. "NETCONF". */
  readonly application: string;
  readonly probe: string;
  /** Vantage (source) host name. */
  readonly source: string;
  readonly target: string;
  readonly targetRole: Role;
  readonly address: string;
  readonly transport: Transport;
  readonly port: number | null;
  readonly expected: Expectation;
  readonly state: TransportState;
  readonly reason: string;
  readonly attempts: number;
  /** The last attempt's phases; `total` spans every attempt (and the pauses between them). */
  readonly timings: PhaseTimings;
  /** Each attempt's own timings, oldest first; present only when there were several attempts. */
  readonly attemptTimings?: readonly PhaseTimings[];
  /**
   * How late (ms) the checker's event loop ran while this probe was timed, when at least
   * LATE_MS (src/runner/loop-delay.ts): its timings may be that much too long. Absent otherwise.
   */
  readonly loopLateMs?: number;
  /**
   * The local (source) port of each attempt's socket, oldest first, where the result could be an
   * ICMP error's (TCP connect failures, UDP exchanges): what the ICMP error observer matched the
   * quoted header by, and what a firewall log shows. Absent when no port was bound.
   */
  readonly sourcePorts?: readonly number[];
  readonly evidence: Evidence;
  readonly findings: readonly Finding[];
  readonly verdict: Verdict;
  /** One line for people: what was seen and why it passes or fails. */
  readonly message: string;
  /** Start of the first attempt, ISO 8601. */
  readonly startedAt: string;
  /** The ICMP error this probe's packets caused, when the ICMP error observer was on and saw one. */
  readonly icmp?: IcmpErrorFact;
  /** `--locate`: where a silent path stops answering (TTL-limited probes shaped like this one). */
  readonly locate?: LocateFact;
}

/** An ICMP error matched to a probe by the packet it quotes (protocol, addresses, ports). */
export interface IcmpErrorFact {
  readonly family: 4 | 6;
  readonly type: number;
  readonly code: number;
  /** Reason code of the type and code (src/core/icmp-reasons.ts). */
  readonly reason: string;
  /** The address that sent the error. */
  readonly from: string;
  /** True when the target itself sent it, false for a router on the path. */
  readonly fromTarget: boolean;
}

/** The result of a TTL-limited search for where a silent path stops. */
export interface LocateFact {
  /** What the locate probes were: the failing probe's protocol and port, or ICMP echo. */
  readonly method: 'tcp-syn' | 'udp' | 'icmp-echo';
  /** The highest TTL whose probe a hop answered (Time Exceeded); 0 when no hop answered. */
  readonly lastHop: number;
  /** The address of that hop; absent when none answered. */
  readonly lastHopAddress?: string;
  /** True when the target itself answered a locate probe (then nothing was dropped on the way). */
  readonly reachedTarget: boolean;
  /** How many hops away the target is by ICMP echo; absent when echo did not reach it either. */
  readonly targetHopsByIcmp?: number;
  /** The highest TTL tried. */
  readonly maxHops: number;
}

/** What the run could learn about where paths break, and what it could not (no privilege). */
export interface PathDiagnosis {
  readonly icmpObserver: { readonly on: boolean; readonly why?: string };
  readonly locate: { readonly on: boolean; readonly why?: string; readonly located: number; readonly skipped: number };
}

/** A matrix path that this vantage cannot test, and where it could be tested from. */
export interface NotTestable {
  readonly row: string;
  /** Table of the row in the vendor's port tables (1-8); 0 for a path the inventory declares. */
  readonly table: number;
  readonly application: string;
  readonly from: string;
  readonly to: string;
  readonly transport: Transport;
  readonly ports: readonly string[];
  /** Why this vantage cannot test it, in words; the same for every path with the same cause. */
  readonly why: string;
  /**
   * What would test it, one line (`run \`psm-netcheck check\` on psm-client-1`); absent when
   * nothing can (a port that no probe can verify). Absent in reports of versions before it.
   */
  readonly verify?: string;
  /** Inventory hosts (or roles) from which the path could be tested. */
  readonly testableFrom: readonly string[];
}

export type VerdictCounts = Record<Verdict, number> & { total: number };

/** One local fact that `psm-netcheck preflight` checks on a host before PSM is installed. */
export interface PreflightCheck {
  /** Stable id: `port/tcp/9998`, `ephemeral-range`, `ephemeral-overlap`, `address/<ip>`, `firewall`. */
  readonly id: string;
  readonly kind: 'port' | 'ephemeral-range' | 'address' | 'firewall';
  readonly verdict: Verdict;
  /** One line for people: what was found and why it passes or fails. */
  readonly message: string;
  /** Matrix rows (or `path:<name>`) behind the check; empty when none. */
  readonly rows: readonly string[];
  readonly evidence: Evidence;
}

/** `preflight` only: the local checks of the vantage host. */
export interface PreflightSection {
  readonly host: string;
  readonly summary: VerdictCounts;
  readonly checks: readonly PreflightCheck[];
}

export interface Report {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  readonly tool: { readonly name: 'psm-netcheck'; readonly version: string };
  readonly inventory: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly vantage: { readonly name: string; readonly roles: readonly Role[] };
  /** False when the run was interrupted (Ctrl-C, SIGTERM) before every probe finished. */
  readonly complete: boolean;
  readonly summary: VerdictCounts;
  /** How late the event loop ran during the run (absent in reports of versions before it). */
  readonly loopDelay?: LoopDelay;
  readonly results: readonly ProbeResult[];
  readonly notTestable: readonly NotTestable[];
  /** Set by `--compare`: what changed since a previous report. */
  readonly changes?: ReportChanges;
  /** Set by `preflight`: the local checks before install (ports free, ephemeral range, addresses, firewall). */
  readonly preflight?: PreflightSection;
  /** Set by `check`: whether the ICMP error observer and `--locate` ran (both need CAP_NET_RAW). */
  readonly pathDiagnosis?: PathDiagnosis;
}

/** The event loop's delay during a run, in milliseconds beyond its monitor's timer period. */
export interface LoopDelay {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Results timed while the loop ran at least `lateMs` late (they carry `loopLateMs`). */
  readonly lateResults: number;
  readonly lateMs: number;
  /** Results timed in a lane (timing thread or echo process); absent in reports of versions before it. */
  readonly laneResults?: number;
  /**
   * The timing lane's own loop, when the run had one (NTP and TCP probes in a thread of their own
   * beside other kinds): its results are marked by this loop's lateness, the others by the main one's.
   */
  readonly lane?: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
}

export interface ReportChanges {
  readonly previous: string;
  readonly newFailures: readonly string[];
  readonly recoveries: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
}
