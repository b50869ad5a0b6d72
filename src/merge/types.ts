import type { Expectation, Role, Transport, TransportState, Verdict } from '../core/model.js';
import type { Finding } from '../core/probe.js';

/**
 * The merged report of `psm-netcheck merge`: every path of the matrix for one inventory, and for
 * each what the vantages' JSON reports say about it. Bump COVERAGE_SCHEMA_VERSION on any
 * incompatible change (schemas/coverage.schema.json).
 */
export const COVERAGE_SCHEMA_VERSION = 1;

/**
 * The state of one path, most urgent first:
 * - conflict: two methods disagree on the same probe (pass through the responder, fail directly):
 *   both are shown, neither wins;
 * - fail: the latest result of some probe fails;
 * - not-covered: no report tested it, and some command would;
 * - partial: some of its probes were tested (none failed), others were not;
 * - warn, pass: every probe tested, the worst verdict;
 * - cannot-verify: nothing can test it (no probe for its ports, or it starts at a network element,
 *   which cannot run psm-netcheck, and a stand-in of its type was tested instead).
 */
export const PATH_STATUSES = ['conflict', 'fail', 'not-covered', 'partial', 'warn', 'pass', 'cannot-verify'] as const;
export type PathStatus = (typeof PATH_STATUSES)[number];

/** How a vantage verified a probe: with the protocol probe itself, or through `psm-netcheck respond`. */
export const METHODS = ['direct', 'responder'] as const;
export type Method = (typeof METHODS)[number];

/** One JSON report given to merge. */
export interface CoverageInput {
  /** The file as given on the command line. */
  readonly file: string;
  readonly vantage: string;
  readonly roles: readonly Role[];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly complete: boolean;
  /** Results in the report (skips included). */
  readonly results: number;
}

/** One probe result of a report, as far as the merged report needs it. */
export interface ObservedResult {
  readonly id: string;
  /** `<address> <transport>/<port>`: which probe of the path. */
  readonly point: string;
  readonly probe: string;
  readonly state: TransportState;
  readonly reason: string;
  readonly verdict: Verdict;
  readonly message: string;
  readonly findings: readonly Finding[];
  readonly startedAt: string;
}

/** What one report says about one path, by one method: its latest results there. */
export interface Observation {
  /** Index into `inputs`. */
  readonly input: number;
  readonly vantage: string;
  readonly method: Method;
  /** Worst verdict of its results. */
  readonly verdict: Verdict;
  readonly results: readonly ObservedResult[];
}

/** A command that would cover a path, and the host to run it on. */
export interface CoverCommand {
  /** An inventory host, or a description of the host to use (`<a Linux host ...>`). */
  readonly host: string;
  readonly command: string;
}

/** Why a path is not (fully) verified, and how it could be; or why it cannot be. */
export interface NextStep {
  readonly why: string;
  /** In order; empty when nothing can verify the path. */
  readonly commands: readonly CoverCommand[];
}

/** A tested path that stands in for this one (a Linux host of the same NE type instead of an element). */
export interface StandIn {
  readonly host: string;
  readonly path: string;
  readonly status: PathStatus;
}

export interface CoveragePath {
  /** `<row>/<from>/<to>`. */
  readonly id: string;
  readonly row: string;
  /** Table of the row (1-8); 0 for an inventory path. */
  readonly table: number;
  readonly application: string;
  readonly from: string;
  readonly to: string;
  readonly transport: Transport;
  readonly ports: readonly string[];
  readonly expected: Expectation;
  readonly status: PathStatus;
  /** The latest results per vantage and method; several when they differ in method. */
  readonly observations: readonly Observation[];
  /** Probes whose methods disagree (pass one way, fail the other). */
  readonly conflicts: readonly string[];
  /** Probes no report tested, as `<address> <transport>/<ports>`. */
  readonly missing: readonly string[];
  /** Ports nothing can probe, and why. */
  readonly untestable: readonly { readonly ports: string; readonly why: string }[];
  /** Set unless every probe was tested: why not, and what would test it. */
  readonly next?: NextStep;
  /** Set for paths that start at a network element without a report of its own. */
  readonly standIns?: readonly StandIn[];
}

/** A host of the inventory, as the matrix view places it. */
export interface CoverageHost {
  readonly name: string;
  readonly roles: readonly Role[];
  /** The role the matrix view groups it under: its first. */
  readonly group: Role;
  /** Whether one of the merged reports was made from this host. */
  readonly reported: boolean;
}

/** A result that matches no path of the inventory (another inventory, a port since changed...). */
export interface UnmatchedResult {
  readonly input: number;
  readonly id: string;
  readonly rows: readonly string[];
  readonly why: string;
}

export type CoverageSummary = Record<PathStatus, number> & { readonly total: number };

export interface CoverageReport {
  readonly schemaVersion: typeof COVERAGE_SCHEMA_VERSION;
  readonly tool: { readonly name: 'psm-netcheck'; readonly version: string };
  readonly inventory: string;
  readonly inputs: readonly CoverageInput[];
  readonly summary: CoverageSummary;
  readonly hosts: readonly CoverageHost[];
  readonly paths: readonly CoveragePath[];
  readonly unmatched: readonly UnmatchedResult[];
}
