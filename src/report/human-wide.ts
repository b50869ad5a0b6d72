import type { Verdict } from '../core/model.js';
import { columnWidths, joinCells, pad } from './columns.js';
import { diagnosis, observedState, pathDiagnosisNote } from './diagnosis.js';
import { changeList, header, paintSummary, preflightSection, summaryText } from './human-sections.js';
import { painter, type Painter } from './paint.js';
import { groupBy, groupByPath } from './paths.js';
import { formatMs, oneLine, transportPort } from './text.js';
import type { ProbeResult, Report } from './types.js';
import { failuresFirst } from './verdicts.js';

export interface WideOptions {
  /** ANSI colours; the CLI turns them off for NO_COLOR or when stdout is not a terminal. */
  readonly color: boolean;
}

/**
 * The wide table (`--wide`, `-f wide`): every column of every result, nothing cut, for a wide
 * terminal or a file. Results grouped by path, then by host with failures first, with their
 * findings; every path this vantage cannot test; what changed; one summary line. Text from the
 * network goes through `oneLine`, so a hostile banner cannot move the cursor or recolour the
 * terminal.
 */
export function formatHumanWide(report: Report, options: WideOptions): string {
  const paint = painter(options.color);
  const note = pathDiagnosisNote(report.pathDiagnosis);
  // Sections as arrays joined once: `lines.push(...section)` overflows the stack at ~100k rows.
  const sections: string[][] = [
    header(report, paint, undefined),
    [''],
    report.preflight !== undefined ? [...preflightSection(report.preflight, paint, undefined), ''] : [],
    report.results.length === 0 ? ['No probe ran from this vantage.', ''] : resultTable(report, paint),
    report.notTestable.length > 0 ? [...notTestableList(report, paint), ''] : [],
    report.changes !== undefined ? [...changeList(report.changes, paint, undefined), ''] : [],
    ...(note === undefined ? [] : [[note, '']]),
    [paintSummary(summaryText(report), paint)],
  ];
  return `${sections.flat().join('\n')}\n`;
}

// ---- sections

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
      const padded = pad(verdict, widths[0] ?? 0);
      lines.push(`  ${paint.verdict(row.verdict, padded)}  ${joinCells(rest, widths.slice(1))}`);
      for (const note of row.notes) lines.push(`  ${' '.repeat(widths[0] ?? 0)}  ${paint.dim(note)}`);
    }
    lines.push('');
  }
  return lines;
}

function toRow(result: ProbeResult): Row {
  return {
    verdict: result.verdict,
    cells: [
      result.verdict.toUpperCase(),
      oneLine(result.target),
      oneLine(result.address),
      transportPort(result),
      oneLine(result.application),
      oneLine(observedState(result)),
      // Zero attempts: nothing was sent, so there is no time to show.
      result.attempts === 0 ? '-' : formatMs(result.timings.total),
      oneLine(diagnosis(result)),
    ],
    notes: result.findings.map(
      (finding) => `${finding.severity} ${oneLine(finding.code)}: ${oneLine(finding.message)}`,
    ),
  };
}

function notTestableList(report: Report, paint: Painter): string[] {
  const rows = report.notTestable.map((entry) => [
    oneLine(entry.row),
    `${oneLine(entry.from)} -> ${oneLine(entry.to)}`,
    entry.ports.length > 0 ? `${entry.transport}/${entry.ports.map(oneLine).join(',')}` : entry.transport,
    oneLine(entry.application),
    `${oneLine(entry.why)}${
      entry.testableFrom.length > 0 ? `; testable from ${entry.testableFrom.map(oneLine).join(', ')}` : ''
    }${entry.verify === undefined ? '' : `; to verify: ${oneLine(entry.verify)}`}`,
  ]);
  const widths = columnWidths([], rows);
  return [
    paint.bold(`Not testable from here (${report.notTestable.length})`),
    ...rows.map((row) => `  ${joinCells(row, widths)}`),
  ];
}
