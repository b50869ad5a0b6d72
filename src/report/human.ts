import type { Verdict } from '../core/model.js';
import { groupBy, groupByPath } from './paths.js';
import { formatMs, oneLine, plural, seconds, transportPort } from './text.js';
import type { PreflightSection, ProbeResult, Report, ReportChanges } from './types.js';
import { failuresFirst, VERDICTS_WORST_FIRST } from './verdicts.js';

export interface HumanOptions {
  /** ANSI colours; the CLI turns them off for NO_COLOR or when stdout is not a terminal. */
  readonly color: boolean;
}

/**
 * The terminal table: results grouped by path, then by host with failures first, then the paths
 * this vantage cannot test, what changed since the compared run, and one summary line.
 * Text from the network goes through `oneLine`, so a hostile banner cannot move the cursor or
 * recolour the terminal.
 */
export function formatHuman(report: Report, options: HumanOptions): string {
  const paint = painter(options.color);
  // Sections as arrays joined once: `lines.push(...section)` overflows the stack at ~100k rows.
  const sections: string[][] = [
    header(report, paint),
    [''],
    report.preflight !== undefined ? [...preflightSection(report.preflight, paint), ''] : [],
    report.results.length === 0 ? ['No probe ran from this vantage.', ''] : resultTable(report, paint),
    report.notTestable.length > 0 ? [...notTestableList(report, paint), ''] : [],
    report.changes !== undefined ? [...changeList(report.changes, paint), ''] : [],
    [summaryLine(report, paint)],
  ];
  return `${sections.flat().join('\n')}\n`;
}

// ---- sections

function header(report: Report, paint: Painter): string[] {
  const roles = report.vantage.roles.join(', ');
  return [
    paint.bold(
      `${report.tool.name} ${oneLine(report.tool.version)}, inventory ${oneLine(report.inventory)}, ` +
        `vantage ${oneLine(report.vantage.name)}${roles ? ` (${roles})` : ''}`,
    ),
    `Run ${report.startedAt} -> ${report.finishedAt} (${formatMs(report.durationMs)})`,
  ];
}

const COLUMNS = ['VERDICT', 'TARGET', 'ADDRESS', 'PORT', 'APPLICATION', 'OBSERVED', 'TIME', 'MESSAGE'] as const;

interface Row {
  readonly verdict: Verdict;
  readonly cells: readonly string[];
  readonly notes: readonly string[];
}

function resultTable(report: Report, paint: Painter): string[] {
  const sections = groupByPath(report).map(({ path, results }) => ({
    title: path.label,
    rows: groupBy(results, (result) => result.target).flatMap(([, hostResults]) =>
      [...hostResults].sort(failuresFirst).map(toRow),
    ),
  }));
  // One set of widths for the whole output, so columns line up across groups.
  const widths = columnWidths(
    COLUMNS,
    sections.flatMap((section) => section.rows.map((row) => row.cells)),
  );
  const lines: string[] = [];
  for (const section of sections) {
    lines.push(paint.bold(section.title), `  ${paint.dim(joinCells(COLUMNS, widths))}`);
    for (const row of section.rows) {
      const [verdict = '', ...rest] = row.cells;
      const padded = verdict.padEnd(widths[0] ?? 0);
      lines.push(`  ${paint.verdict(row.verdict, padded)}  ${joinCells(rest, widths.slice(1))}`);
      for (const note of row.notes) lines.push(`  ${' '.repeat(widths[0] ?? 0)}  ${paint.dim(note)}`);
    }
    lines.push('');
  }
  return lines;
}

function toRow(result: ProbeResult): Row {
  const expectation = result.expected === 'open' ? '' : `, expected ${result.expected}`;
  return {
    verdict: result.verdict,
    cells: [
      result.verdict.toUpperCase(),
      oneLine(result.target),
      oneLine(result.address),
      transportPort(result),
      oneLine(result.application),
      `${result.state} (${oneLine(result.reason)}${expectation})`,
      // Zero attempts: nothing was sent, so there is no time to show.
      result.attempts === 0 ? '-' : formatMs(result.timings.total),
      oneLine(result.message),
    ],
    notes: result.findings.map(
      (finding) => `${finding.severity} ${oneLine(finding.code)}: ${oneLine(finding.message)}`,
    ),
  };
}

/** The widest cell of each column (a loop: spreading 100k rows into Math.max overflows the stack). */
function columnWidths(titles: readonly string[], rows: readonly (readonly string[])[]): number[] {
  const widths = titles.map((title) => title.length);
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  return widths;
}

/** Cells padded to their column's width; the last one is not padded (no trailing blanks). */
function joinCells(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
    .join('  ')
    .trimEnd();
}

/** `preflight` only: the local checks, failures first, in one aligned table. */
function preflightSection(section: PreflightSection, paint: Painter): string[] {
  const checks = [...section.checks].sort(
    (a, b) => VERDICTS_WORST_FIRST.indexOf(a.verdict) - VERDICTS_WORST_FIRST.indexOf(b.verdict),
  );
  const rows = checks.map((check) => [check.verdict.toUpperCase(), oneLine(check.id), oneLine(check.message)]);
  const widths = columnWidths(['VERDICT', 'CHECK', 'MESSAGE'], rows);
  const counts = VERDICTS_WORST_FIRST.filter((v) => section.summary[v] > 0).map((v) => `${section.summary[v]} ${v}`);
  return [
    paint.bold(`Local checks on ${oneLine(section.host)} before install (${counts.join(', ') || 'none'})`),
    `  ${paint.dim(joinCells(['VERDICT', 'CHECK', 'MESSAGE'], widths))}`,
    ...checks.map((check, index) => {
      const [verdict = '', ...rest] = rows[index] ?? [];
      return `  ${paint.verdict(check.verdict, verdict.padEnd(widths[0] ?? 0))}  ${joinCells(rest, widths.slice(1))}`;
    }),
  ];
}

function notTestableList(report: Report, paint: Painter): string[] {
  const rows = report.notTestable.map((entry) => [
    oneLine(entry.row),
    `${oneLine(entry.from)} -> ${oneLine(entry.to)}`,
    entry.ports.length > 0 ? `${entry.transport}/${entry.ports.map(oneLine).join(',')}` : entry.transport,
    oneLine(entry.application),
    `${oneLine(entry.why)}${
      entry.testableFrom.length > 0 ? `; testable from ${entry.testableFrom.map(oneLine).join(', ')}` : ''
    }`,
  ]);
  const widths = columnWidths([], rows);
  return [
    paint.bold(`Not testable from here (${report.notTestable.length})`),
    ...rows.map((row) => `  ${joinCells(row, widths)}`),
  ];
}

function changeList(changes: ReportChanges, paint: Painter): string[] {
  const kinds: [string, readonly string[], (text: string) => string][] = [
    ['new failure', changes.newFailures, (text) => paint.verdict('fail', text)],
    ['recovery', changes.recoveries, (text) => paint.verdict('pass', text)],
    ['added', changes.added, (text) => text],
    ['removed', changes.removed, (text) => text],
  ];
  const counts = [
    plural(changes.newFailures.length, 'new failure'),
    plural(changes.recoveries.length, 'recovery', 'recoveries'),
    `${changes.added.length} added`,
    `${changes.removed.length} removed`,
  ];
  const width = Math.max(...kinds.map(([kind]) => kind.length));
  return [
    paint.bold(`Changes since ${oneLine(changes.previous)}: ${counts.join(', ')}`),
    ...kinds.flatMap(([kind, ids, colour]) => ids.map((id) => `  ${colour(kind.padEnd(width))}  ${oneLine(id)}`)),
  ];
}

function summaryLine(report: Report, paint: Painter): string {
  const counts = VERDICTS_WORST_FIRST.map((verdict) => {
    const text = `${report.summary[verdict]} ${verdict}`;
    return report.summary[verdict] > 0 ? paint.verdict(verdict, text) : text;
  });
  const state = report.complete
    ? 'complete'
    : paint.verdict('fail', 'INCOMPLETE: interrupted before every probe finished');
  return (
    `${paint.bold('Summary:')} ${plural(report.summary.total, 'result')} (${counts.join(', ')}), ` +
    `${report.notTestable.length} not testable from here, ${seconds(report.durationMs)} s, ${state}`
  );
}

// ---- colour

interface Painter {
  bold(text: string): string;
  dim(text: string): string;
  verdict(verdict: Verdict, text: string): string;
}

const SGR_FOR: Record<Verdict, string> = { fail: '1;31', warn: '33', skip: '36', pass: '32' };

function painter(color: boolean): Painter {
  const sgr = (code: string, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    bold: (text) => sgr('1', text),
    dim: (text) => sgr('2', text),
    verdict: (verdict, text) => sgr(SGR_FOR[verdict], text),
  };
}
