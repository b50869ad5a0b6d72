import { NetcheckError } from '../core/errors.js';
import type { Verdict } from '../core/model.js';
import type { Host, Inventory } from '../inventory/types.js';
import type { ProbeResult, Report } from '../report/types.js';
import { worstVerdict } from '../report/verdicts.js';
import { TOOL_VERSION } from '../core/version.js';
import { matrixPaths, pointKey, type MatrixPath } from './matrix-paths.js';
import { coverStep, elementStep, untestableStep, type NextStepContext } from './next-step.js';
import { collapsePoints } from './points.js';
import {
  COVERAGE_SCHEMA_VERSION,
  PATH_STATUSES,
  type CoverageHost,
  type CoverageInput,
  type CoveragePath,
  type CoverageReport,
  type CoverageSummary,
  type Method,
  type NextStep,
  type Observation,
  type ObservedResult,
  type PathStatus,
  type StandIn,
  type UnmatchedResult,
} from './types.js';

export interface MergeInput {
  /** The file as the user named it. */
  readonly file: string;
  readonly report: Report;
}

export interface MergeOptions {
  /** The inventory as the user named it: shown in the report and in the commands it suggests. */
  readonly inventoryLabel: string;
}

/**
 * One answer for the whole deployment: every path of the matrix for the inventory, matched with
 * the results of the vantages' reports. A result counts for the path of each of its rows, from its
 * vantage to its target, at its address and port. For each probe of a path the latest result of
 * each method is kept (a later run of the same kind replaces an earlier one); results of different
 * methods are never merged away: if they disagree the path is a conflict and both are shown.
 * Skipped results tested nothing and count for nothing.
 */
export function mergeReports(inventory: Inventory, inputs: readonly MergeInput[], options: MergeOptions): CoverageReport {
  checkVantages(inventory, inputs);
  const paths = matrixPaths(inventory);
  const byId = new Map(paths.map((path) => [path.id, { path, points: new Set(path.points), latest: new Map<string, Kept>() }]));
  const unmatched: UnmatchedResult[] = [];

  for (const [index, input] of inputs.entries()) {
    const startedAt = Date.parse(input.report.startedAt);
    for (const result of input.report.results) {
      if (result.verdict === 'skip') continue;
      const point = pointKey(result.address, result.transport, result.port);
      const method: Method = RESPONDER_PROBES.has(result.probe) ? 'responder' : 'direct';
      let matched = false;
      for (const row of result.rows) {
        const entry = byId.get(`${row}/${result.source}/${result.target}`);
        if (entry === undefined || !entry.points.has(point)) continue;
        matched = true;
        const key = `${point}\u0000${method}`;
        const kept = entry.latest.get(key);
        // Inputs are read in order: at the same start time, the one named later wins.
        if (kept === undefined || startedAt >= kept.startedAt) entry.latest.set(key, { input: index, startedAt, method, point, result });
      }
      if (!matched) unmatched.push(unmatchedResult(index, result, byId));
    }
  }

  const reported = new Set(inputs.map((input) => input.report.vantage.name));
  const context: NextStepContext = { inventory: options.inventoryLabel, reported };
  const tested = new Map<string, CoveragePath>();
  const merged: CoveragePath[] = [];
  // Paths from hosts that ran psm-netcheck first: a network element's path refers to its stand-ins'.
  const order = [...byId.values()].sort((a, b) => Number(reported.has(b.path.from.name)) - Number(reported.has(a.path.from.name)));
  const standInHosts = inventory.hosts.filter((host) => reported.has(host.name) && host.roles.includes('network-element'));
  for (const { path, latest } of order) {
    const coverage = coveragePath(path, [...latest.values()], inputs, context, tested, standInHosts);
    tested.set(path.id, coverage);
  }
  for (const path of paths) merged.push(tested.get(path.id) as CoveragePath);

  return {
    schemaVersion: COVERAGE_SCHEMA_VERSION,
    tool: { name: 'psm-netcheck', version: TOOL_VERSION },
    inventory: options.inventoryLabel,
    inputs: inputs.map(describeInput),
    summary: summarize(merged),
    hosts: inventory.hosts.map(
      (host): CoverageHost => ({ name: host.name, roles: [...host.roles], group: host.roles[0] ?? 'psm-server', reported: reported.has(host.name) }),
    ),
    paths: merged,
    unmatched,
  };
}

const RESPONDER_PROBES: ReadonlySet<string> = new Set(['responder-tcp', 'responder-udp']);

interface Kept {
  readonly input: number;
  readonly startedAt: number;
  readonly method: Method;
  readonly point: string;
  readonly result: ProbeResult;
}

function coveragePath(
  path: MatrixPath,
  kept: readonly Kept[],
  inputs: readonly MergeInput[],
  context: NextStepContext,
  tested: ReadonlyMap<string, CoveragePath>,
  standInHosts: readonly Host[],
): CoveragePath {
  const observations = observe(kept, inputs);
  const conflicts = conflictingPoints(kept);
  const covered = new Set(kept.map((entry) => entry.point));
  const missing = path.points.filter((point) => !covered.has(point));
  const worst = worstVerdict(kept.map((entry) => entry.result.verdict));
  const standIns =
    path.fromRole === 'network-element' && !context.reported.has(path.from.name) ? standInsFor(path, tested, standInHosts) : undefined;

  let status: PathStatus;
  let next: NextStep | undefined;
  if (conflicts.length > 0) status = 'conflict';
  else if (worst === 'fail') status = 'fail';
  else if (missing.length === 0 && worst !== undefined) status = worst === 'warn' ? 'warn' : 'pass';
  else if (covered.size > 0) status = 'partial';
  else {
    next = untestableStep(path) ?? elementStep(path, context, standIns ?? []);
    status = next !== undefined && next.commands.length === 0 ? 'cannot-verify' : 'not-covered';
  }
  if (next === undefined && missing.length > 0) next = coverStep(path, context, missing);

  return {
    id: path.id,
    row: path.row,
    table: path.table,
    application: path.application,
    from: path.from.name,
    to: path.to.name,
    transport: path.transport,
    ports: [...path.ports],
    expected: path.expected,
    status,
    observations,
    conflicts,
    missing: collapsePoints(missing),
    untestable: path.untestable.map((entry) => ({ ...entry })),
    ...(next === undefined ? {} : { next }),
    ...(standIns === undefined ? {} : { standIns }),
  };
}

/** The kept results grouped by report and method, in the order the reports were given. */
function observe(kept: readonly Kept[], inputs: readonly MergeInput[]): Observation[] {
  const groups = new Map<string, Kept[]>();
  for (const entry of kept) {
    const key = `${entry.input}/${entry.method}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [entry]);
    else group.push(entry);
  }
  return [...groups.values()]
    .sort((a, b) => (a[0]?.input ?? 0) - (b[0]?.input ?? 0) || ((a[0]?.method ?? '') < (b[0]?.method ?? '') ? -1 : 1))
    .map((group) => {
      const first = group[0] as Kept;
      const results = group.map(observedResult).sort((a, b) => comparePoints(a.point, b.point));
      return {
        input: first.input,
        vantage: inputs[first.input]?.report.vantage.name ?? first.result.source,
        method: first.method,
        verdict: worstVerdict(results.map((r) => r.verdict)) ?? 'skip',
        results,
      };
    });
}

function observedResult(entry: Kept): ObservedResult {
  const { result } = entry;
  return {
    id: result.id,
    point: entry.point,
    probe: result.probe,
    state: result.state,
    reason: result.reason,
    verdict: result.verdict,
    message: result.message,
    findings: result.findings.map((finding) => ({ code: finding.code, severity: finding.severity, message: finding.message })),
    startedAt: result.startedAt,
  };
}

/** Probes where one method's latest result fails and another's passes (or warns). */
function conflictingPoints(kept: readonly Kept[]): string[] {
  const verdicts = new Map<string, Set<Verdict>>();
  for (const entry of kept) {
    const seen = verdicts.get(entry.point) ?? new Set<Verdict>();
    seen.add(entry.result.verdict === 'warn' ? 'pass' : entry.result.verdict);
    verdicts.set(entry.point, seen);
  }
  return [...verdicts].filter(([, seen]) => seen.has('fail') && seen.has('pass')).map(([point]) => point).sort(comparePoints);
}

/**
 * The same row to the same target, tested from the reporting hosts declared as network elements of
 * the same type: Linux hosts in the elements' network that stand in for them.
 */
function standInsFor(path: MatrixPath, tested: ReadonlyMap<string, CoveragePath>, standInHosts: readonly Host[]): StandIn[] {
  const standIns: StandIn[] = [];
  for (const host of standInHosts) {
    if (host === path.from || host.neType !== path.from.neType) continue;
    const candidate = tested.get(`${path.row}/${host.name}/${path.to.name}`);
    if (candidate === undefined || candidate.observations.length === 0) continue;
    standIns.push({ host: host.name, path: candidate.id, status: candidate.status });
  }
  return standIns;
}

function unmatchedResult(input: number, result: ProbeResult, byId: ReadonlyMap<string, { points: ReadonlySet<string> }>): UnmatchedResult {
  const onPath = result.rows.some((row) => byId.has(`${row}/${result.source}/${result.target}`));
  const why = onPath
    ? `${result.address} ${result.transport}${result.port === null ? '' : `/${result.port}`} is not a probe of this path in the inventory (an address or port changed since the run?)`
    : `no path ${result.rows.join(', ')} from ${result.source} to ${result.target} in the inventory (made from another inventory?)`;
  return { input, id: result.id, rows: [...result.rows], why };
}

/** Every report must come from a host of this inventory: a report of another deployment is not merged. */
function checkVantages(inventory: Inventory, inputs: readonly MergeInput[]): void {
  const names = new Set(inventory.hosts.map((host) => host.name));
  for (const input of inputs) {
    const vantage = input.report.vantage.name;
    if (!names.has(vantage)) {
      throw new NetcheckError(
        'E_INPUT_REPORT',
        `${input.file}: made from ${vantage}, which is not a host of ${inventory.source} (a report of another inventory?)`,
      );
    }
  }
}

function describeInput(input: MergeInput): CoverageInput {
  const { report } = input;
  return {
    file: input.file,
    vantage: report.vantage.name,
    roles: [...report.vantage.roles],
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    complete: report.complete,
    results: report.results.length,
  };
}

function summarize(paths: readonly CoveragePath[]): CoverageSummary {
  const counts = Object.fromEntries(PATH_STATUSES.map((status) => [status, 0])) as Record<PathStatus, number>;
  for (const path of paths) counts[path.status]++;
  return { ...counts, total: paths.length };
}

/** `198.51.100.10 tcp/22` before `198.51.100.10 tcp/9998`: by address, then numerically by port. */
function comparePoints(a: string, b: string): number {
  const [addressA = '', portA = ''] = a.split(' ');
  const [addressB = '', portB = ''] = b.split(' ');
  if (addressA !== addressB) return addressA < addressB ? -1 : 1;
  const numberA = Number(portA.split('/')[1] ?? -1);
  const numberB = Number(portB.split('/')[1] ?? -1);
  return numberA - numberB || (portA < portB ? -1 : portA > portB ? 1 : 0);
}
