import type { Verdict } from '../core/model.js';
import { columnWidths, joinCells, pad, truncate, truncateStart, wrap } from './columns.js';
import { loopDelayText } from './diagnosis.js';
import type { Painter } from './paint.js';
import { formatMs, oneLine, plural, seconds } from './text.js';
import type { PreflightSection, Report, ReportChanges } from './types.js';
import { VERDICTS_WORST_FIRST } from './verdicts.js';

/**
 * The parts that the terminal report (./human.ts) and its wide form (./human-wide.ts) share.
 * `width` undefined: nothing is cut (the wide form); otherwise every line fits in it.
 */

const fit = (text: string, width: number | undefined): string => (width === undefined ? text : truncate(text, width));

export function header(report: Report, paint: Painter, width: number | undefined): string[] {
  const roles = report.vantage.roles.join(', ');
  const inventory = oneLine(report.inventory);
  const label = 'Inventory ';
  return [
    paint.bold(fit(`${report.tool.name} ${oneLine(report.tool.version)} from ${oneLine(report.vantage.name)}${roles ? ` (${roles})` : ''}`, width)),
    // The end of a long path is its file name: cut the folders, not the name.
    `${label}${width === undefined ? inventory : truncateStart(inventory, width - label.length)}`,
    fit(`Run ${report.startedAt} -> ${report.finishedAt} (${formatMs(report.durationMs)})`, width),
    ...(report.loopDelay === undefined ? [] : [fit(loopDelayText(report.loopDelay), width)]),
  ];
}

/** `preflight` only: the local checks, failures first, in one aligned table. */
export function preflightSection(section: PreflightSection, paint: Painter, width: number | undefined): string[] {
  const checks = [...section.checks].sort(
    (a, b) => VERDICTS_WORST_FIRST.indexOf(a.verdict) - VERDICTS_WORST_FIRST.indexOf(b.verdict),
  );
  const titles = ['VERDICT', 'CHECK', 'MESSAGE'];
  const rows = checks.map((check) => [check.verdict.toUpperCase(), oneLine(check.id), oneLine(check.message)]);
  const widths = columnWidths(titles.slice(0, 2), rows.map((row) => row.slice(0, 2)));
  const messageWidth = width === undefined ? undefined : width - 2 - (widths[0] ?? 0) - 2 - (widths[1] ?? 0) - 2;
  const counts = VERDICTS_WORST_FIRST.filter((v) => section.summary[v] > 0).map((v) => `${section.summary[v]} ${v}`);
  return [
    paint.bold(fit(`Local checks on ${oneLine(section.host)} before install (${counts.join(', ') || 'none'})`, width)),
    `  ${paint.dim(joinCells(titles, widths))}`,
    ...checks.map((check, index) => {
      const [verdict = '', id = '', message = ''] = rows[index] ?? [];
      const rest = joinCells([id, messageWidth === undefined ? message : truncate(message, messageWidth)], widths.slice(1));
      return `  ${paint.verdict(check.verdict, pad(verdict, widths[0] ?? 0))}  ${rest}`;
    }),
  ];
}

export function changeList(changes: ReportChanges, paint: Painter, width: number | undefined): string[] {
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
  const heading = `Changes since ${oneLine(changes.previous)}: ${counts.join(', ')}`;
  const kindWidth = Math.max(...kinds.map(([kind]) => kind.length));
  const idWidth = width === undefined ? undefined : width - 2 - kindWidth - 2;
  return [
    // Which report this run was compared with is a path worth reading whole: wrapped, not cut.
    ...(width === undefined ? [heading] : wrap(heading, width, '  ')).map((line) => paint.bold(line)),
    ...kinds.flatMap(([kind, ids, colour]) =>
      ids.map((id) => `  ${colour(pad(kind, kindWidth))}  ${idWidth === undefined ? oneLine(id) : truncate(oneLine(id), idWidth)}`),
    ),
  ];
}

/** The last line: counts by verdict, not testable, duration, and whether the run completed. */
export function summaryText(report: Report): string {
  const counts = VERDICTS_WORST_FIRST.map((verdict) => `${report.summary[verdict]} ${verdict}`);
  const state = report.complete ? 'complete' : 'INCOMPLETE: interrupted before every probe finished';
  return (
    `Summary: ${plural(report.summary.total, 'result')} (${counts.join(', ')}), ` +
    `${report.notTestable.length} not testable from here, ${seconds(report.durationMs)} s, ${state}`
  );
}

/** A line of the summary painted: each non-zero count in its verdict's colour. */
export function paintSummary(line: string, paint: Painter): string {
  return line
    .replace(/^Summary:/, (text) => paint.bold(text))
    .replace(/\b([1-9]\d*) (fail|warn|skip|pass)\b/g, (text, _count: string, verdict: Verdict) => paint.verdict(verdict, text))
    .replace(/INCOMPLETE:/, (text) => paint.verdict('fail', text));
}
