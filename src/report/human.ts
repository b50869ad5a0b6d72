import type { Verdict } from '../core/model.js';
import { columnWidths, joinCells, pad, padStart, truncate, wrap } from './columns.js';
import { diagnosis, pathDiagnosisNote } from './diagnosis.js';
import { changeList, header, paintSummary, preflightSection, summaryText } from './human-sections.js';
import { painter, type Painter } from './paint.js';
import { groupBy, groupByPath, tableTag, type ResultPath } from './paths.js';
import { tableHealth } from './table-health.js';
import { oneLine, plural, transportPort } from './text.js';
import type { NotTestable, ProbeResult, Report } from './types.js';
import { compareText, VERDICTS_WORST_FIRST } from './verdicts.js';

export interface HumanOptions {
  /** ANSI colours; the CLI turns them off for NO_COLOR or when stdout is not a terminal. */
  readonly color: boolean;
  /** Columns every line fits in: a terminal's width, else DEFAULT_WIDTH. */
  readonly width?: number;
  /** One line per passing result too, instead of one line per path. */
  readonly verbose?: boolean;
}

export const DEFAULT_WIDTH = 100;
/** Below this a line cannot hold a verdict, a path and a few words: narrower asks are widened. */
const MIN_WIDTH = 60;
/** Host names are ids, but an FQDN can be long: the column stops here and the name is cut. */
const MAX_TARGET = 24;

/**
 * The terminal report: what needs attention first, one line per result (verdict, path, target,
 * port, the diagnosis in words); passes one line per path unless verbose; the paths this vantage
 * cannot test, grouped by cause, each group with the one thing that would test it; what changed;
 * how each of the vendor's tables fared; one summary line. Every line fits in `width`: free text
 * is cut with an ellipsis, never padded to its longest value. `--wide` keeps every column
 * (./human-wide.ts). Text from the network goes through `oneLine`, so a hostile banner cannot
 * move the cursor or recolour the terminal.
 */
/** The observer or --locate could not run: said once, before the summary (wrapped, never cut). */
function pathNoteLines(report: Report, width: number): string[] {
  const note = pathDiagnosisNote(report.pathDiagnosis);
  return note === undefined ? [] : [...wrap(note, width, '  '), ''];
}

export function formatHuman(report: Report, options: HumanOptions): string {
  const paint = painter(options.color);
  const width = Math.max(MIN_WIDTH, Math.floor(options.width ?? DEFAULT_WIDTH));
  // Sections as arrays joined once: `lines.push(...section)` overflows the stack at ~100k rows.
  const sections: string[][] = [
    header(report, paint, width),
    [''],
    report.preflight !== undefined ? [...preflightSection(report.preflight, paint, width), ''] : [],
    report.results.length === 0 ? ['No probe ran from this vantage.', ''] : resultSections(report, paint, width, options.verbose === true),
    report.notTestable.length > 0 ? [...notTestableGroups(report, paint, width), ''] : [],
    report.changes !== undefined ? [...changeList(report.changes, paint, width), ''] : [],
    [...tableBlock(report, paint, width), ''],
    pathNoteLines(report, width),
    wrap(summaryText(report), width, '  ').map((line) => paintSummary(line, paint)),
  ];
  return `${sections.flat().join('\n')}\n`;
}

// ---- results

interface Placed {
  readonly result: ProbeResult;
  readonly path: ResultPath;
  /** Position of the path in table order, for sorting. */
  readonly order: number;
}

const rank = (verdict: Verdict): number => VERDICTS_WORST_FIRST.indexOf(verdict);

/** Worst first, then in table order, by target, port and id: the same order in every run. */
function byAttention(a: Placed, b: Placed): number {
  return (
    rank(a.result.verdict) - rank(b.result.verdict) ||
    a.order - b.order ||
    compareText(a.result.target, b.result.target) ||
    (a.result.port ?? -1) - (b.result.port ?? -1) ||
    compareText(a.result.id, b.result.id)
  );
}

function resultSections(report: Report, paint: Painter, width: number, verbose: boolean): string[] {
  const groups = groupByPath(report);
  const placed = groups.flatMap(({ path, results }, order) => results.map((result) => ({ result, path, order })));
  const attention = placed.filter(({ result }) => result.verdict !== 'pass').sort(byAttention);
  const passes = placed.filter(({ result }) => result.verdict === 'pass');
  const listed = verbose ? [...attention, ...[...passes].sort(byAttention)] : attention;
  const table = resultLines(listed, severalAddresses(report.results), width);

  const lines: string[] = [];
  if (attention.length > 0) {
    const counts = VERDICTS_WORST_FIRST.filter((v) => v !== 'pass' && report.summary[v] > 0).map((v) => `${report.summary[v]} ${v}`);
    lines.push(paint.bold(truncate(`Needs attention: ${counts.join(', ')}`, width)));
    for (const line of table.lines.slice(0, attention.length)) lines.push(line(paint));
    lines.push('');
  }
  if (passes.length === 0) return lines;
  if (verbose) {
    lines.push(paint.bold(truncate(`Passed: ${plural(passes.length, 'result')}`, width)));
    for (const line of table.lines.slice(attention.length)) lines.push(line(paint));
  } else {
    const paths = new Set(passes.map(({ path }) => path.key)).size;
    lines.push(paint.bold(truncate(`Passed: ${plural(passes.length, 'result')} on ${plural(paths, 'path')} (--verbose lists each)`, width)));
    lines.push(...passesByPath(groups, paint, width));
  }
  lines.push('');
  return lines;
}

/**
 * Aligned lines of verdict, path, target, port and diagnosis, painted late (a function of the
 * painter) so that widths count plain text. No column titles: the values say what they are, and
 * every column spared is the diagnosis's.
 */
function resultLines(
  rows: readonly Placed[],
  withAddress: ReadonlySet<string>,
  width: number,
): { lines: ((paint: Painter) => string)[] } {
  const cells = rows.map(({ result, path }) => [
    result.verdict.toUpperCase(),
    path.short,
    truncate(targetCell(result, withAddress), MAX_TARGET),
    transportPort(result),
  ]);
  const widths = columnWidths([], cells);
  // Two spaces of indent, two between columns: what is left is the diagnosis's.
  const used = 2 + widths.reduce((sum, cell) => sum + cell + 2, 0);
  const diagnosisWidth = Math.max(10, width - used);
  return {
    lines: rows.map(({ result }, index) => (paint: Painter) => {
      const [verdict = '', ...rest] = cells[index] ?? [];
      const text = truncate(oneLine(diagnosis(result)), diagnosisWidth);
      return `  ${paint.verdict(result.verdict, pad(verdict, widths[0] ?? 0))}  ${joinCells([...rest, text], widths.slice(1))}`;
    }),
  };
}

/** Targets with results on several addresses (IPv4 and IPv6): their lines name the address too. */
function severalAddresses(results: readonly ProbeResult[]): Set<string> {
  const first = new Map<string, string>();
  const several = new Set<string>();
  for (const result of results) {
    const seen = first.get(result.target);
    if (seen === undefined) first.set(result.target, result.address);
    else if (seen !== result.address) several.add(result.target);
  }
  return several;
}

function targetCell(result: ProbeResult, withAddress: ReadonlySet<string>): string {
  return withAddress.has(result.target) ? `${oneLine(result.target)} ${oneLine(result.address)}` : oneLine(result.target);
}

/** One line per path: how many passed, on how many hosts, and which applications. */
function passesByPath(groups: ReturnType<typeof groupByPath>, paint: Painter, width: number): string[] {
  const rows = groups.flatMap(({ path, results }) => {
    const passed = results.filter((result) => result.verdict === 'pass');
    if (passed.length === 0) return [];
    const hosts = new Set(passed.map((result) => result.target));
    const where = hosts.size === 1 ? oneLine(passed[0]?.target ?? '') : `${hosts.size} hosts`;
    return [{ path, count: String(passed.length), text: `on ${where}: ${applicationsOf(passed, path).join(', ')}` }];
  });
  const pathWidth = Math.max(...rows.map((row) => row.path.short.length));
  const countWidth = Math.max(...rows.map((row) => row.count.length));
  const textWidth = width - (2 + 4 + 2 + pathWidth + 2 + countWidth + 1);
  return rows.map(
    (row) => `  ${paint.verdict('pass', 'PASS')}  ${pad(row.path.short, pathWidth)}  ${padStart(row.count, countWidth)} ${truncate(row.text, textWidth)}`,
  );
}

/**
 * What passed on a path, in words: the matrix's application names (a probe serving two rows
 * is named `CLI / CLI over SSH`: both count). An inventory path's application is its free-text
 * description, so it is named by its id instead.
 */
function applicationsOf(results: readonly ProbeResult[], path: ResultPath): string[] {
  const names = new Set<string>();
  for (const result of results) {
    if (path.table === null) for (const row of result.rows) names.add(oneLine(row.replace(/^path:/, '')));
    else for (const name of result.application.split(' / ')) names.add(oneLine(name));
  }
  return [...names];
}

// ---- not testable

/**
 * The paths this vantage cannot test, grouped by cause and by what would test them (`why` and
 * `verify`, worded by the planner to be the same for every path with the same cause): for each
 * group its paths, its hosts, and the way to verify it, once. `plan` lists each path.
 */
function notTestableGroups(report: Report, paint: Painter, width: number): string[] {
  const groups = groupBy(report.notTestable, (entry) => `${entry.why}\u0000${entry.verify ?? ''}`);
  // groupBy sorts by key; the first path of each group gives the order the matrix has.
  const order = new Map(report.notTestable.map((entry, index) => [entry, index]));
  groups.sort(([, a], [, b]) => (order.get(a[0] as NotTestable) ?? 0) - (order.get(b[0] as NotTestable) ?? 0));
  const lines = [
    paint.bold(
      truncate(
        `Not testable from here: ${plural(report.notTestable.length, 'path')} in ${plural(groups.length, 'group')} ` +
          '(`psm-netcheck plan` lists each)',
        width,
      ),
    ),
  ];
  for (const [, entries] of groups) {
    const first = entries[0] as NotTestable;
    // The cause and the way to verify are our own sentences: wrapped, never cut (a command must
    // stay whole). The paths and hosts are lists from the inventory: cut to the line.
    lines.push(...wrap(`${oneLine(first.why)} (${plural(entries.length, 'path')})`, width - 2, '  ').map((line) => `  ${line}`));
    const rows = entries.map((entry) => oneLine(entry.row)).join(', ');
    lines.push(`    ${truncate(`${hostsOf(entries)}: ${rows}`, width - 4)}`);
    if (first.verify !== undefined) {
      lines.push(...wrap(`to verify: ${oneLine(first.verify)}`, width - 4, '  ').map((line) => `    ${line}`));
    }
  }
  return lines;
}

/** `psm-client-1 -> psm-server-1`; a group whose paths start on different host sets names them all. */
function hostsOf(entries: readonly NotTestable[]): string {
  const from = [...new Set(entries.map((entry) => oneLine(entry.from)))];
  const to = [...new Set(entries.map((entry) => oneLine(entry.to)))];
  const initiators = new Set(entries.flatMap((entry) => entry.testableFrom.map(oneLine)));
  const source = from.length === 1 || initiators.size === 0 ? from.join(', ') : `${plural(initiators.size, 'host')} (${[...initiators].join(', ')})`;
  return `${source} -> ${to.join(', ')}`;
}

// ---- tables

const TABLE_COLUMNS = ['VERDICT', 'TABLE', 'PASS', 'WARN', 'FAIL', 'SKIP', 'NOT TESTABLE'] as const;

/**
 * Which of the vendor's tables are healthy, at a glance: one line per table with its worst
 * verdict and its counts. A count of zero is a dash, so that the numbers that matter stand out.
 */
function tableBlock(report: Report, paint: Painter, width: number): string[] {
  const health = tableHealth(report);
  const counts = health.map((entry) => [
    ...(['pass', 'warn', 'fail', 'skip'] as const).map((verdict) => count(entry.results[verdict])),
    count(entry.notTestable),
  ]);
  const countWidths = TABLE_COLUMNS.slice(2).map((title, column) =>
    Math.max(title.length, ...counts.map((row) => (row[column] ?? '').length)),
  );
  const verdictWidth = TABLE_COLUMNS[0].length;
  const titleWidth = Math.max(
    10,
    Math.min(
      width - 2 - verdictWidth - 2 - countWidths.reduce((sum, cell) => sum + cell + 2, 0),
      Math.max(...health.map((entry) => `${tableTag(entry.table)} ${entry.title}`.length)),
    ),
  );
  const line = (verdict: string, title: string, numbers: readonly string[]): string =>
    `${pad(verdict, verdictWidth)}  ${pad(truncate(title, titleWidth), titleWidth)}  ${numbers
      .map((text, column) => padStart(text, countWidths[column] ?? 0))
      .join('  ')}`;
  return [
    paint.bold(truncate("By table (the vendor's port tables, PSM Networking Considerations, Tables 1-8)", width)),
    `  ${paint.dim(line(TABLE_COLUMNS[0], TABLE_COLUMNS[1], TABLE_COLUMNS.slice(2)))}`,
    ...health.map((entry, index) => {
      const text = line(entry.verdict?.toUpperCase() ?? '-', `${tableTag(entry.table)} ${entry.title}`, counts[index] ?? []);
      return `  ${entry.verdict === undefined ? text : `${paint.verdict(entry.verdict, entry.verdict.toUpperCase())}${text.slice(entry.verdict.length)}`}`;
    }),
  ];
}

const count = (value: number): string => (value === 0 ? '-' : String(value));
