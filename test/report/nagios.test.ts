import { describe, expect, it } from 'vitest';
import { formatNagios } from '../../src/report/nagios.js';
import type { ProbeResult, Report } from '../../src/report/types.js';
import { SAMPLE_REPORT } from '../fixtures/report-sample.js';
import { expectGolden } from './golden.js';

function withVerdicts(verdicts: ProbeResult['verdict'][], complete = true): Report {
  const template = SAMPLE_REPORT.results[0];
  if (!template) throw new Error('sample has no result');
  const results = verdicts.map((verdict, index) => ({ ...template, id: `r${index}`, verdict }));
  const count = (verdict: ProbeResult['verdict']) => verdicts.filter((v) => v === verdict).length;
  return {
    ...SAMPLE_REPORT,
    complete,
    results,
    summary: { pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip'), total: verdicts.length },
  };
}

describe('formatNagios', () => {
  it('matches the golden file', () => {
    const { text, exitCode } = formatNagios(SAMPLE_REPORT);
    expectGolden('report.nagios.txt', text);
    expect(exitCode).toBe(2);
  });

  it('maps the worst verdict to the plugin exit code; an interrupted or empty run is UNKNOWN', () => {
    const cases: [Report, number, string][] = [
      [withVerdicts(['pass', 'pass', 'skip']), 0, 'OK'],
      [withVerdicts(['pass', 'warn']), 1, 'WARNING'],
      [withVerdicts(['pass', 'warn', 'fail']), 2, 'CRITICAL'],
      [withVerdicts(['pass', 'fail'], false), 3, 'UNKNOWN'],
      [withVerdicts([]), 3, 'UNKNOWN'],
    ];
    for (const [report, exitCode, status] of cases) {
      const output = formatNagios(report);
      expect(output.exitCode).toBe(exitCode);
      expect(output.text.startsWith(`PSM-NETCHECK ${status} - `)).toBe(true);
    }
    expect(formatNagios(withVerdicts([])).text).toContain('no probe ran from psm1');
    expect(formatNagios(withVerdicts(['pass'], false)).text).toContain('run interrupted');
  });

  it('has perfdata after the only pipe, and long output without pipes or raw control characters', () => {
    const [status = '', ...details] = formatNagios(SAMPLE_REPORT).text.trimEnd().split('\n');
    expect(status).toMatch(/ \| pass=5 warn=3 fail=3 skip=1 duration=4\.321s$/);
    expect(status.split('|')).toHaveLength(2);
    expect(details).toHaveLength(6);
    expect(details.map((line) => line.split(' ')[0])).toEqual(['FAIL', 'FAIL', 'FAIL', 'WARN', 'WARN', 'WARN']);
    for (const line of details) expect(line).not.toContain('|');
    expect(details.join('\n')).toContain('open/filtered (no-reply)');
    // eslint-disable-next-line no-control-regex
    expect(formatNagios(SAMPLE_REPORT).text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('caps the long output', () => {
    const text = formatNagios(withVerdicts(Array.from({ length: 80 }, () => 'fail' as const))).text;
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 50 + 1);
    expect(lines.at(-1)).toBe('... and 30 more');
  });
});
