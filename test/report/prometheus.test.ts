import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { escapeLabelValue, formatPrometheus } from '../../src/report/prometheus.js';
import type { Report } from '../../src/report/types.js';
import { SAMPLE_REPORT } from '../fixtures/report-sample.js';
import { expectGolden } from './golden.js';

interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

// parse-prometheus-text-format is CommonJS without type declarations.
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

function family(families: ParsedFamily[], name: string): ParsedFamily {
  const found = families.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no family ${name}`);
  return found;
}

describe('formatPrometheus', () => {
  it('matches the golden file', () => {
    expectGolden('report.prom', formatPrometheus(SAMPLE_REPORT));
  });

  it('parses as the text exposition format, every family a gauge with help', () => {
    const families = parse(formatPrometheus(SAMPLE_REPORT));
    expect(families.map((f) => f.name)).toEqual([
      'psm_netcheck_probe_success',
      'psm_netcheck_probe_duration_seconds',
      'psm_netcheck_probe_attempts',
      'psm_netcheck_last_run_timestamp_seconds',
      'psm_netcheck_run_duration_seconds',
      'psm_netcheck_results',
      'psm_netcheck_run_complete',
    ]);
    for (const parsed of families) {
      expect(parsed.type).toBe('GAUGE');
      expect(parsed.help.length).toBeGreaterThan(10);
    }
  });

  it('gives one sample per probed result, with bounded labels and no skipped probe', () => {
    const families = parse(formatPrometheus(SAMPLE_REPORT));
    const success = family(families, 'psm_netcheck_probe_success').metrics;
    const probed = SAMPLE_REPORT.results.filter((result) => result.verdict !== 'skip');
    expect(success).toHaveLength(probed.length);
    for (const [index, result] of probed.entries()) {
      expect(success[index]?.labels).toEqual({
        target: result.target,
        address: result.address,
        transport: result.transport,
        port: result.port === null ? '' : String(result.port),
        probe: result.probe,
        application: result.application,
        reason: result.reason,
      });
      expect(success[index]?.value).toBe(result.verdict === 'fail' ? '0' : '1');
    }
    // The free-text message never becomes a label: it would make every run a new series.
    expect(formatPrometheus(SAMPLE_REPORT)).not.toContain('pwned');
    const timeout = family(families, 'psm_netcheck_probe_duration_seconds').metrics.find(
      (metric) => metric.labels?.reason === 'timeout',
    );
    expect(timeout?.value).toBe('4.0015');
    const attempts = family(families, 'psm_netcheck_probe_attempts').metrics.find(
      (metric) => metric.labels?.reason === 'timeout',
    );
    expect(attempts?.value).toBe('2');
  });

  it('reports the run: time, duration, counts by verdict and completeness', () => {
    const families = parse(formatPrometheus(SAMPLE_REPORT));
    expect(family(families, 'psm_netcheck_last_run_timestamp_seconds').metrics[0]?.value).toBe(
      String(Date.parse('2026-05-04T10:00:04.321Z') / 1000),
    );
    expect(family(families, 'psm_netcheck_run_duration_seconds').metrics[0]?.value).toBe('4.321');
    expect(
      Object.fromEntries(
        family(families, 'psm_netcheck_results').metrics.map((metric) => [metric.labels?.verdict, metric.value]),
      ),
    ).toEqual({ pass: '5', warn: '3', fail: '3', skip: '1' });
    expect(family(families, 'psm_netcheck_run_complete').metrics[0]?.value).toBe('1');
    const interrupted = parse(formatPrometheus({ ...SAMPLE_REPORT, complete: false }));
    expect(family(interrupted, 'psm_netcheck_run_complete').metrics[0]?.value).toBe('0');
  });

  it('escapes label values so that quotes, backslashes and newlines survive a parser', () => {
    const hostile = 'a "quoted" C:\\path\nsecond line';
    expect(escapeLabelValue(hostile)).toBe('a \\"quoted\\" C:\\\\path\\nsecond line');
    const first = SAMPLE_REPORT.results[0];
    if (!first) throw new Error('sample has no result');
    const report: Report = { ...SAMPLE_REPORT, results: [{ ...first, application: hostile, target: 'x}y{z="' }] };
    const parsed = family(parse(formatPrometheus(report)), 'psm_netcheck_probe_success').metrics[0];
    expect(parsed?.labels?.application).toBe(hostile);
    expect(parsed?.labels?.target).toBe('x}y{z="');
  });
});
