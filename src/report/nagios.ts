import { diagnosis, observedState } from './diagnosis.js';
import { oneLine, seconds, transportPort } from './text.js';
import type { ProbeResult, Report } from './types.js';
import { failuresFirst } from './verdicts.js';

export type NagiosExitCode = 0 | 1 | 2 | 3;

export interface NagiosOutput {
  readonly text: string;
  readonly exitCode: NagiosExitCode;
}

const STATUS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

/** Long-output lines beyond this are summarised: Nagios cores truncate plugin output anyway. */
const MAX_DETAIL_LINES = 50;

/**
 * A Nagios/Icinga plugin result (plugin API v3): one status line with performance data, the
 * failures and warnings as long output, and the exit code. An interrupted run, or one that
 * tested nothing, is UNKNOWN: its silence must not read as OK.
 */
export function formatNagios(report: Report): NagiosOutput {
  const { summary } = report;
  const exitCode: NagiosExitCode =
    !report.complete || summary.total === 0 ? 3 : summary.fail > 0 ? 2 : summary.warn > 0 ? 1 : 0;
  const perfdata = [
    `pass=${summary.pass}`,
    `warn=${summary.warn}`,
    `fail=${summary.fail}`,
    `skip=${summary.skip}`,
    `duration=${seconds(report.durationMs)}s`,
  ].join(' ');
  const status = `PSM-NETCHECK ${STATUS[exitCode]} - ${headline(report)} | ${perfdata}`;
  return { text: `${[status, ...details(report)].join('\n')}\n`, exitCode };
}

function headline(report: Report): string {
  const { summary } = report;
  const vantage = plain(report.vantage.name);
  if (summary.total === 0 && report.complete) return `no probe ran from ${vantage}`;
  const counts = `${summary.fail} fail, ${summary.warn} warn, ${summary.pass} pass, ${summary.skip} skip`;
  const interrupted = report.complete ? '' : 'run interrupted before every probe finished; ';
  return `${interrupted}${summary.total} probes from ${vantage}: ${counts}`;
}

function details(report: Report): string[] {
  const notable = report.results
    .filter((result) => result.verdict === 'fail' || result.verdict === 'warn')
    .sort(failuresFirst);
  const lines = notable.slice(0, MAX_DETAIL_LINES).map(detailLine);
  if (notable.length > MAX_DETAIL_LINES) lines.push(`... and ${notable.length - MAX_DETAIL_LINES} more`);
  return lines;
}

function detailLine(result: ProbeResult): string {
  return plain(
    `${result.verdict.toUpperCase()} ${result.application} ${result.target} ${result.address} ` +
      `${transportPort(result)}: ${observedState(result)} - ${diagnosis(result)}`,
  );
}

/** One line without the perfdata separator: a `|` anywhere would start performance data. */
function plain(text: string): string {
  return oneLine(text).replaceAll('|', '/');
}
