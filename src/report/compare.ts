import type { Verdict } from '../core/model.js';
import type { Report, ReportChanges } from './types.js';
import { compareText } from './verdicts.js';

/**
 * What changed between two runs, matched by result id.
 * - newFailures: fail now, and not a fail before (including paths that are new in this run:
 *   a new failing path is news too, so it can appear in both `newFailures` and `added`);
 * - recoveries: a fail before, pass or warn now (a skip proves nothing, so it is no recovery);
 * - added / removed: ids present in only one of the two runs.
 * `label` names the previous run in the output; by default its start time.
 */
export function compareReports(
  previous: Pick<Report, 'results' | 'startedAt'>,
  current: Pick<Report, 'results'>,
  label: string = previous.startedAt,
): ReportChanges {
  const before = verdictsById(previous);
  const now = verdictsById(current);
  const newFailures: string[] = [];
  const recoveries: string[] = [];
  const added: string[] = [];
  for (const [id, verdict] of now) {
    const was = before.get(id);
    if (was === undefined) added.push(id);
    if (verdict === 'fail' && was !== 'fail') newFailures.push(id);
    if (was === 'fail' && (verdict === 'pass' || verdict === 'warn')) recoveries.push(id);
  }
  const removed = [...before.keys()].filter((id) => !now.has(id));
  return {
    previous: label,
    newFailures: newFailures.sort(compareText),
    recoveries: recoveries.sort(compareText),
    added: added.sort(compareText),
    removed: removed.sort(compareText),
  };
}

function verdictsById(report: Pick<Report, 'results'>): Map<string, Verdict> {
  return new Map(report.results.map((result) => [result.id, result.verdict]));
}
