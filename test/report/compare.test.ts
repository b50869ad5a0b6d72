import { describe, expect, it } from 'vitest';
import { compareReports } from '../../src/report/compare.js';
import type { ProbeResult, Report } from '../../src/report/types.js';
import { SAMPLE_REPORT } from '../fixtures/report-sample.js';

function resultsOf(verdicts: Record<string, ProbeResult['verdict']>): Pick<Report, 'results' | 'startedAt'> {
  const template = SAMPLE_REPORT.results[0];
  if (!template) throw new Error('sample has no result');
  return {
    startedAt: '2026-05-03T10:00:00.000Z',
    results: Object.entries(verdicts).map(([id, verdict]) => ({ ...template, id, verdict })),
  };
}

describe('compareReports', () => {
  it('finds new failures, recoveries, added and removed results by id', () => {
    const previous = resultsOf({ a: 'pass', b: 'fail', c: 'fail', d: 'warn', e: 'fail', gone: 'pass', f: 'fail' });
    const current = resultsOf({ a: 'fail', b: 'pass', c: 'fail', d: 'fail', e: 'warn', f: 'skip', new: 'fail', fresh: 'pass' });
    expect(compareReports(previous, current)).toEqual({
      previous: '2026-05-03T10:00:00.000Z',
      newFailures: ['a', 'd', 'new'],
      recoveries: ['b', 'e'],
      added: ['fresh', 'new'],
      removed: ['gone'],
    });
  });

  it('a skip after a failure is no recovery, and the label can name the previous file', () => {
    const changes = compareReports(resultsOf({ x: 'fail' }), resultsOf({ x: 'skip' }), 'reports/last.json');
    expect(changes).toEqual({ previous: 'reports/last.json', newFailures: [], recoveries: [], added: [], removed: [] });
  });

  it('finds nothing between a report and itself', () => {
    const changes = compareReports(SAMPLE_REPORT, SAMPLE_REPORT);
    expect([changes.newFailures, changes.recoveries, changes.added, changes.removed]).toEqual([[], [], [], []]);
  });
});
