import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeLabelValue, formatPrometheus } from '../../src/report/prometheus.js';
import type { ProbeResult, Report } from '../../src/report/types.js';
import { renderMetrics } from '../../src/serve/metrics.js';
import type { RunLoopSnapshot } from '../../src/serve/scheduler.js';
import { SAMPLE_REPORT } from '../fixtures/report-sample.js';
import { binary, missing, titleWith } from '../support/skip.js';
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

const IDENTITY = ['vantage', 'table', 'row', 'probe', 'target', 'address', 'transport', 'port'];
const PER_PROBE = ['psm_netcheck_probe_success', 'psm_netcheck_probe_duration_seconds', 'psm_netcheck_probe_attempts'];

const snapshot = (report: Report | undefined): RunLoopSnapshot => ({
  lastReport: report,
  lastFinishedAt: report === undefined ? undefined : 1000,
  running: false,
  runningSince: undefined,
  runs: report === undefined ? 0 : 3,
  overruns: 1,
  errors: 0,
  lastError: undefined,
});

describe('formatPrometheus', () => {
  it('matches the golden file', () => {
    expectGolden('report.prom', formatPrometheus(SAMPLE_REPORT));
  });

  it('parses as the text exposition format, every family a gauge with help', () => {
    const families = parse(formatPrometheus(SAMPLE_REPORT));
    expect(families.map((f) => f.name)).toEqual([
      ...PER_PROBE,
      'psm_netcheck_probe_outcome_info',
      'psm_netcheck_last_run_timestamp_seconds',
      'psm_netcheck_run_duration_seconds',
      'psm_netcheck_results',
      'psm_netcheck_not_testable_paths',
      'psm_netcheck_run_complete',
    ]);
    for (const parsed of families) {
      expect(parsed.type).toBe('GAUGE');
      expect(parsed.help.length).toBeGreaterThan(10);
    }
  });

  it('labels each probed result by ids only: where from, which matrix row, what was probed', () => {
    const families = parse(formatPrometheus(SAMPLE_REPORT));
    const probed = SAMPLE_REPORT.results.filter((result) => result.verdict !== 'skip');
    for (const name of PER_PROBE) {
      const metrics = family(families, name).metrics;
      expect(metrics, name).toHaveLength(probed.length);
      for (const metric of metrics) expect(Object.keys(metric.labels ?? {}), name).toEqual(IDENTITY);
    }
    const success = family(families, 'psm_netcheck_probe_success').metrics;
    const ssh = success.find((metric) => metric.labels?.probe === 'ssh');
    // A probe serving rows of two tables is under its first, as the human report shows it.
    expect(ssh?.labels).toEqual({
      vantage: 'psm1',
      table: '3',
      row: 't3-cli-ssh,t4-cli-ssh',
      probe: 'ssh',
      target: 'ne-east-1',
      address: '198.51.100.21',
      transport: 'tcp',
      port: '22',
    });
    expect(success.find((metric) => metric.labels?.row === 'path:no-telnet-from-psm')?.labels?.table).toBe('inventory');
    // No port for ICMP: an empty value, which Prometheus treats as no label.
    expect(success.find((metric) => metric.labels?.transport === 'icmp')?.labels?.port).toBe('');
    for (const [index, result] of probed.entries()) expect(success[index]?.value).toBe(result.verdict === 'fail' ? '0' : '1');
    const timeout = (name: string) => family(families, name).metrics.find((metric) => metric.labels?.port === '9999')?.value;
    expect(timeout('psm_netcheck_probe_duration_seconds')).toBe('4.0015');
    expect(timeout('psm_netcheck_probe_attempts')).toBe('2');
    // Neither the free-text message nor an inventory description becomes a label value.
    const text = formatPrometheus(SAMPLE_REPORT);
    expect(text).not.toContain('pwned');
    expect(text).not.toContain('application=');
  });

  it('keeps the series when the outcome changes: only the value and the outcome info move', () => {
    const broken: Report = {
      ...SAMPLE_REPORT,
      results: SAMPLE_REPORT.results.map(
        (result): ProbeResult => ({ ...result, verdict: 'fail', state: 'filtered', reason: 'timeout', message: 'no answer', attempts: 2 }),
      ),
    };
    const series = (report: Report, name: string) =>
      family(parse(formatPrometheus(report)), name).metrics.map((metric) => JSON.stringify(metric.labels));
    const healthy: Report = { ...SAMPLE_REPORT, results: SAMPLE_REPORT.results.filter((result) => result.verdict !== 'skip') };
    const brokenProbed: Report = { ...broken, results: broken.results.filter((_, index) => SAMPLE_REPORT.results[index]?.verdict !== 'skip') };
    for (const name of PER_PROBE) expect(series(brokenProbed, name), name).toEqual(series(healthy, name));
    expect(series(brokenProbed, 'psm_netcheck_probe_outcome_info')).not.toEqual(series(healthy, 'psm_netcheck_probe_outcome_info'));
  });

  it('says how each probe went in an info series, skips included, with bounded values', () => {
    const info = family(parse(formatPrometheus(SAMPLE_REPORT)), 'psm_netcheck_probe_outcome_info').metrics;
    expect(info).toHaveLength(SAMPLE_REPORT.results.length);
    for (const metric of info) {
      expect(metric.value).toBe('1');
      expect(Object.keys(metric.labels ?? {})).toEqual([...IDENTITY, 'verdict', 'state', 'reason', 'expected']);
    }
    expect(info.find((metric) => metric.labels?.verdict === 'skip')?.labels).toMatchObject({ state: 'error', reason: 'local-error' });
    expect(info.find((metric) => metric.labels?.port === '23')?.labels).toMatchObject({ verdict: 'pass', state: 'closed', expected: 'closed' });
  });

  it('reports the run: time, duration, counts by verdict, paths not testable and completeness, from its vantage', () => {
    const families = parse(formatPrometheus(SAMPLE_REPORT));
    const only = (name: string) => family(families, name).metrics[0];
    expect(only('psm_netcheck_last_run_timestamp_seconds')?.value).toBe(String(Date.parse('2026-05-04T10:00:04.321Z') / 1000));
    expect(only('psm_netcheck_run_duration_seconds')?.value).toBe('4.321');
    expect(only('psm_netcheck_not_testable_paths')?.value).toBe('3');
    expect(
      Object.fromEntries(family(families, 'psm_netcheck_results').metrics.map((metric) => [metric.labels?.verdict, metric.value])),
    ).toEqual({ pass: '5', warn: '3', fail: '3', skip: '1' });
    expect(only('psm_netcheck_run_complete')?.value).toBe('1');
    const interrupted = parse(formatPrometheus({ ...SAMPLE_REPORT, complete: false }));
    expect(family(interrupted, 'psm_netcheck_run_complete').metrics[0]?.value).toBe('0');
    for (const parsed of families) {
      for (const metric of parsed.metrics) expect(metric.labels?.vantage, parsed.name).toBe('psm1');
    }
  });

  it('escapes label values so that quotes, backslashes and newlines survive a parser', () => {
    const hostile = 'a "quoted" C:\\path\nsecond line';
    expect(escapeLabelValue(hostile)).toBe('a \\"quoted\\" C:\\\\path\\nsecond line');
    const first = SAMPLE_REPORT.results[0];
    if (!first) throw new Error('sample has no result');
    const report: Report = { ...SAMPLE_REPORT, vantage: { name: hostile, roles: [] }, results: [{ ...first, target: 'x}y{z="' }] };
    const parsed = family(parse(formatPrometheus(report)), 'psm_netcheck_probe_success').metrics[0];
    expect(parsed?.labels?.vantage).toBe(hostile);
    expect(parsed?.labels?.target).toBe('x}y{z="');
  });
});

describe('serve /metrics', () => {
  it('labels the loop families with the vantage too, before the first run and after', () => {
    for (const report of [undefined, SAMPLE_REPORT]) {
      const families = parse(renderMetrics(snapshot(report), 'psm1'));
      expect(families.some((parsed) => parsed.name === 'psm_netcheck_probe_success')).toBe(report !== undefined);
      for (const name of ['psm_netcheck_runs_total', 'psm_netcheck_run_overruns_total', 'psm_netcheck_run_errors_total', 'psm_netcheck_run_in_progress']) {
        expect(family(families, name).metrics[0]?.labels, name).toEqual({ vantage: 'psm1' });
      }
    }
  });
});

const noPromtool = missing(binary('/usr/bin/promtool'));
describe.skipIf(noPromtool !== undefined)(titleWith('promtool check metrics', noPromtool), () => {
  // promtool lints the exposition as Prometheus's own tooling sees it: names, units, suffixes
  // (`_total` only on counters), HELP and TYPE. Clean means no output and exit 0.
  const promtool = (text: string) => spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });

  it.each([
    ['a report', () => formatPrometheus(SAMPLE_REPORT)],
    ['serve before its first run', () => renderMetrics(snapshot(undefined), 'psm1')],
    ['serve after a run', () => renderMetrics(snapshot(SAMPLE_REPORT), 'psm1')],
  ])('finds nothing to say about %s', (_name, render) => {
    const result = promtool(render());
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it('joins the outcome to a failing probe as the README shows, so that an alert says why', () => {
    // The README's query, as an alerting rule, over this report's own series (promtool test rules).
    const dir = mkdtempSync(join(tmpdir(), 'psm-netcheck-promtool-'));
    const why =
      '(psm_netcheck_probe_success == 0)\n  * on (vantage, table, row, probe, target, address, transport, port) group_left (reason)\n  psm_netcheck_probe_outcome_info';
    writeFileSync(join(dir, 'rules.yml'), JSON.stringify({ groups: [{ name: 'paths', rules: [{ alert: 'PathFails', expr: why }] }] }));
    const exposition = formatPrometheus(SAMPLE_REPORT).split('\n');
    const series = exposition
      .filter((line) => /^psm_netcheck_probe_(success|outcome_info)\{/.test(line))
      .map((line) => {
        const cut = line.lastIndexOf(' ');
        return { series: line.slice(0, cut), values: `${line.slice(cut + 1)}x2` };
      });
    const failing = SAMPLE_REPORT.results.filter((result) => result.verdict === 'fail');
    const labelsOf = (result: ProbeResult): Record<string, string> => ({
      vantage: 'psm1',
      table: String(Math.min(...result.tables.filter((table) => table > 0))),
      row: result.rows.join(','),
      probe: result.probe,
      target: result.target,
      address: result.address,
      transport: result.transport,
      port: String(result.port ?? ''),
      reason: result.reason,
    });
    writeFileSync(
      join(dir, 'test.yml'),
      JSON.stringify({
        rule_files: ['rules.yml'],
        tests: [{ interval: '1m', input_series: series, alert_rule_test: [{ eval_time: '1m', alertname: 'PathFails', exp_alerts: failing.map((result) => ({ exp_labels: labelsOf(result) })) }] }],
      }),
    );
    expect(failing.length).toBeGreaterThan(1);
    const result = spawnSync('/usr/bin/promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
