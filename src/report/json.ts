import type { Evidence, Finding, PhaseTimings } from '../core/probe.js';
import type { IcmpErrorFact, LocateFact, LoopDelay, NotTestable, PathDiagnosis, PreflightSection, ProbeResult, Report, ReportChanges } from './types.js';
import { compareText } from './verdicts.js';
import type { TextPiece } from './write-atomic.js';

/**
 * The reference format. Keys come out in one fixed order (the order of ./types.ts, and sorted
 * names inside open records such as evidence), whatever order the runner built its objects in,
 * so two reports of the same facts are byte-identical and diff cleanly. Properties the types do
 * not declare are dropped: the output always matches schemas/report.schema.json.
 *
 * Indented by two spaces, except each result, which is one line: a diff of two nightly reports
 * then shows one line per path that changed, and a large report is a third smaller than fully
 * indented, for the same formatting time (docs/benchmarks.md, "Figures behind the code").
 */
export function formatJson(report: Report): string {
  return [...jsonChunks(report)].join('');
}

/**
 * The same text as formatJson, in pieces of at most RESULTS_PER_CHUNK results: a large report is
 * written piece by piece instead of being held whole, as a string and again as its bytes (that
 * doubled the peak memory of a large check: docs/benchmarks.md, item 10). With `ahead`, the lines formatted
 * during the run (./json-ahead.ts) are taken as the bytes they are kept in, and the pieces of
 * results are bytes too: decoding them into strings only to encode them again for the file
 * cost time and heap, and so would copying them into one buffer per piece.
 */
export function jsonChunks(report: Report): Generator<string>;
export function jsonChunks(report: Report, ahead: ResultLines | undefined): Generator<TextPiece>;
export function* jsonChunks(report: Report, ahead?: ResultLines): Generator<TextPiece> {
  // Replacing an existing key keeps its place in the fixed order; the placeholder is then swapped
  // for the results, one line each. Matched with its newline and indent, so no string value (all
  // escaped by JSON.stringify, newlines included) can be taken for it.
  const canonical = canonicalReport({ ...report, results: [] });
  const text = JSON.stringify({ ...canonical, results: RESULTS_PLACEHOLDER }, null, 2);
  const at = text.indexOf(PLACEHOLDER_LINE);
  yield `${text.slice(0, at)}\n  "results": `;
  const results = report.results;
  if (results.length === 0) yield '[]';
  for (let first = 0; first < results.length; first += RESULTS_PER_CHUNK) {
    const lead = first === 0 ? '[\n    ' : ',\n    ';
    const chunk = results.slice(first, first + RESULTS_PER_CHUNK);
    yield ahead === undefined ? lead + chunk.map(resultLine).join(LINE_SEPARATOR) : chunkBytes(lead, chunk, ahead);
  }
  if (results.length > 0) yield '\n  ]';
  yield `${text.slice(at + PLACEHOLDER_LINE.length)}\n`;
}

/** Result lines formatted before the report is written (./json-ahead.ts); each taken once. */
export interface ResultLines {
  /** The UTF-8 bytes of `result`'s line, if it was formatted already. */
  take(result: ProbeResult): Uint8Array | undefined;
}

/** One result as its line of the report (no indent, no separator). */
export function resultLine(result: ProbeResult): string {
  return JSON.stringify(canonicalResult(result));
}

/** A chunk as the bytes of its lines and separators, not copied together (written with writev). */
function chunkBytes(lead: string, results: readonly ProbeResult[], ahead: ResultLines): Uint8Array[] {
  const parts: Uint8Array[] = [Buffer.from(lead)];
  for (const [index, result] of results.entries()) {
    if (index > 0) parts.push(LINE_SEPARATOR_BYTES);
    parts.push(ahead.take(result) ?? Buffer.from(resultLine(result)));
  }
  return parts;
}

const LINE_SEPARATOR = ',\n    ';
const LINE_SEPARATOR_BYTES = Buffer.from(LINE_SEPARATOR);
const RESULTS_PER_CHUNK = 1000;
const RESULTS_PLACEHOLDER = 'psm-netcheck:results';
const PLACEHOLDER_LINE = `\n  "results": ${JSON.stringify(RESULTS_PLACEHOLDER)}`;

function canonicalReport(report: Report): Report {
  return {
    schemaVersion: report.schemaVersion,
    tool: { name: report.tool.name, version: report.tool.version },
    inventory: report.inventory,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    durationMs: report.durationMs,
    vantage: { name: report.vantage.name, roles: [...report.vantage.roles] },
    complete: report.complete,
    summary: {
      pass: report.summary.pass,
      warn: report.summary.warn,
      fail: report.summary.fail,
      skip: report.summary.skip,
      total: report.summary.total,
    },
    ...(report.loopDelay === undefined ? {} : { loopDelay: canonicalLoopDelay(report.loopDelay) }),
    results: report.results.map(canonicalResult),
    notTestable: report.notTestable.map(canonicalNotTestable),
    ...(report.changes === undefined ? {} : { changes: canonicalChanges(report.changes) }),
    ...(report.preflight === undefined ? {} : { preflight: canonicalPreflight(report.preflight) }),
    ...(report.pathDiagnosis === undefined ? {} : { pathDiagnosis: canonicalPathDiagnosis(report.pathDiagnosis) }),
  };
}

function canonicalPreflight(section: PreflightSection): PreflightSection {
  const { pass, warn, fail, skip, total } = section.summary;
  return {
    host: section.host,
    summary: { pass, warn, fail, skip, total },
    checks: section.checks.map((check) => ({
      id: check.id,
      kind: check.kind,
      verdict: check.verdict,
      message: check.message,
      rows: [...check.rows],
      evidence: sortedRecord(check.evidence) as Evidence,
    })),
  };
}

function canonicalResult(result: ProbeResult): ProbeResult {
  return {
    id: result.id,
    rows: [...result.rows],
    tables: [...result.tables],
    application: result.application,
    probe: result.probe,
    source: result.source,
    target: result.target,
    targetRole: result.targetRole,
    address: result.address,
    transport: result.transport,
    port: result.port,
    expected: result.expected,
    state: result.state,
    reason: result.reason,
    attempts: result.attempts,
    timings: canonicalTimings(result.timings),
    ...(result.attemptTimings === undefined ? {} : { attemptTimings: result.attemptTimings.map(canonicalTimings) }),
    ...(result.loopLateMs === undefined ? {} : { loopLateMs: result.loopLateMs }),
    ...(result.sourcePorts === undefined ? {} : { sourcePorts: result.sourcePorts }),
    evidence: sortedRecord(result.evidence) as Evidence,
    findings: result.findings.map(canonicalFinding),
    verdict: result.verdict,
    message: result.message,
    startedAt: result.startedAt,
    ...(result.icmp === undefined ? {} : { icmp: canonicalIcmp(result.icmp) }),
    ...(result.locate === undefined ? {} : { locate: canonicalLocate(result.locate) }),
  };
}

function canonicalIcmp(icmp: IcmpErrorFact): IcmpErrorFact {
  return { family: icmp.family, type: icmp.type, code: icmp.code, reason: icmp.reason, from: icmp.from, fromTarget: icmp.fromTarget };
}

function canonicalLocate(locate: LocateFact): LocateFact {
  return {
    method: locate.method,
    lastHop: locate.lastHop,
    ...(locate.lastHopAddress === undefined ? {} : { lastHopAddress: locate.lastHopAddress }),
    reachedTarget: locate.reachedTarget,
    ...(locate.targetHopsByIcmp === undefined ? {} : { targetHopsByIcmp: locate.targetHopsByIcmp }),
    maxHops: locate.maxHops,
  };
}

function canonicalPathDiagnosis(section: PathDiagnosis): PathDiagnosis {
  const { icmpObserver, locate } = section;
  return {
    icmpObserver: { on: icmpObserver.on, ...(icmpObserver.why === undefined ? {} : { why: icmpObserver.why }) },
    locate: { on: locate.on, ...(locate.why === undefined ? {} : { why: locate.why }), located: locate.located, skipped: locate.skipped },
  };
}

/** `total` first, the phases after it by name. */
function canonicalTimings(timings: PhaseTimings): PhaseTimings {
  const { total, ...phases } = timings;
  return { total, ...sortedRecord(phases) };
}

function canonicalLoopDelay(delay: LoopDelay): LoopDelay {
  const main = {
    p50Ms: delay.p50Ms,
    p99Ms: delay.p99Ms,
    maxMs: delay.maxMs,
    lateResults: delay.lateResults,
    lateMs: delay.lateMs,
    ...(delay.laneResults === undefined ? {} : { laneResults: delay.laneResults }),
  };
  return delay.lane === undefined ? main : { ...main, lane: { p50Ms: delay.lane.p50Ms, p99Ms: delay.lane.p99Ms, maxMs: delay.lane.maxMs } };
}

function canonicalFinding(finding: Finding): Finding {
  return { code: finding.code, severity: finding.severity, message: finding.message };
}

function canonicalNotTestable(entry: NotTestable): NotTestable {
  return {
    row: entry.row,
    table: entry.table,
    application: entry.application,
    from: entry.from,
    to: entry.to,
    transport: entry.transport,
    ports: [...entry.ports],
    why: entry.why,
    ...(entry.verify === undefined ? {} : { verify: entry.verify }),
    testableFrom: [...entry.testableFrom],
  };
}

function canonicalChanges(changes: ReportChanges): ReportChanges {
  return {
    previous: changes.previous,
    newFailures: [...changes.newFailures],
    recoveries: [...changes.recoveries],
    added: [...changes.added],
    removed: [...changes.removed],
  };
}

function sortedRecord<V>(record: Readonly<Record<string, V>>): Record<string, V> {
  const sorted: Record<string, V> = {};
  for (const key of Object.keys(record).sort(compareText)) sorted[key] = record[key] as V;
  return sorted;
}
