import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderMetrics } from '../src/serve/metrics.js';
import { SAMPLE_REPORT } from './fixtures/report-sample.js';
import { binary, missing, titleWith } from './support/skip.js';

/**
 * docs/prometheus/: the scrape configuration, the recording and alerting rules and their unit
 * tests, run through Debian's promtool; and the names they use checked against what psm-netcheck
 * really exposes, so that renaming a metric fails here and points at the rules.
 */

const PROMTOOL = '/usr/bin/promtool';
const DIR = 'docs/prometheus';
const why = missing(binary(PROMTOOL));

interface ParsedFamily {
  name: string;
  metrics: { labels?: Record<string, string> }[];
}
// parse-prometheus-text-format is CommonJS without type declarations.
const parseExposition = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

/** Every family `serve` exposes, with the label names its samples carry. */
function exposedFamilies(): Map<string, Set<string>> {
  const text = renderMetrics({
    lastReport: SAMPLE_REPORT,
    lastFinishedAt: 0,
    running: false,
    runningSince: undefined,
    runs: 1,
    overruns: 0,
    errors: 0,
    lastError: undefined,
  }, 'psm1');
  return new Map(parseExposition(text).map((family) => [family.name, new Set(family.metrics.flatMap((metric) => Object.keys(metric.labels ?? {})))]));
}

/** Labels a scraped series has beyond the exposition's own: `job` and `instance` from Prometheus. */
const SCRAPE_LABELS = new Set(['job', 'instance']);

const rules = parseYaml(readFileSync(`${DIR}/psm-netcheck.rules.yml`, 'utf8')) as { groups: { rules: { record?: string; alert?: string; expr: string }[] }[] };
const tests = parseYaml(readFileSync(`${DIR}/psm-netcheck.rules.test.yml`, 'utf8')) as { tests: { input_series: { series: string }[] }[] };

describe('the Prometheus rules name what psm-netcheck exposes', () => {
  const exposed = exposedFamilies();

  it('every metric a rule reads is a family of /metrics', () => {
    const used = new Set(rules.groups.flatMap((group) => group.rules.flatMap((rule) => [...rule.expr.matchAll(/(?<![:\w])psm_netcheck_[a-z_]+(?![:\w])/g)].map((m) => m[0]))));
    expect([...used].sort()).toEqual([
      'psm_netcheck_last_run_timestamp_seconds',
      'psm_netcheck_probe_success',
      'psm_netcheck_run_complete',
      'psm_netcheck_run_errors_total',
      'psm_netcheck_run_overruns_total',
    ]);
    for (const name of used) expect(exposed.has(name), `${name} is not exposed: follow the rename in ${DIR}/psm-netcheck.rules.yml`).toBe(true);
  });

  it('the metrics are read in the first rules only; every other rule reads what those record', () => {
    // Recorded names (`level:metric:operation`) stripped, does the expression still name a scraped series?
    const readsScrape = (expr: string) => /(?<![:\w])(psm_netcheck_[a-z_]+|up\{)/.test(expr.replace(/\w+:\w+:\w+/g, ''));
    const reading = rules.groups.flatMap((group) => group.rules).map((rule) => readsScrape(rule.expr));
    const inputs = reading.indexOf(false);
    expect(inputs).toBeGreaterThan(0);
    expect(reading.slice(inputs)).not.toContain(true);
  });

  it('the unit tests feed series with the names and labels a scrape gives', () => {
    for (const { series } of tests.tests.flatMap((test) => test.input_series)) {
      const match = /^([a-z_:]+)\{(.*)\}$/.exec(series);
      expect(match, series).not.toBeNull();
      const [, name = '', labelText = ''] = match ?? [];
      const labels = [...labelText.matchAll(/([a-z_]+)="/g)].map((m) => m[1] ?? '');
      if (name === 'up') continue;
      const known = exposed.get(name);
      expect(known, `${name} is not exposed`).toBeDefined();
      for (const label of labels) expect(known?.has(label) === true || SCRAPE_LABELS.has(label), `${name}{${label}}`).toBe(true);
    }
  });
});

describe.skipIf(why !== undefined)(titleWith('docs/prometheus with promtool', why), () => {
  const promtool = (...args: string[]) => promisify(execFile)(PROMTOOL, args, { timeout: 60_000 });

  it('the scrape configuration and the rules it loads are valid', async () => {
    const { stdout } = await promtool('check', 'config', `${DIR}/prometheus.yml`);
    expect(stdout).toContain('SUCCESS: 1 rule files found');
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('the rules pass promtool check rules', async () => {
    const { stdout } = await promtool('check', 'rules', `${DIR}/psm-netcheck.rules.yml`);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('the rules pass their unit tests (promtool test rules)', async () => {
    const { stdout } = await promtool('test', 'rules', `${DIR}/psm-netcheck.rules.test.yml`);
    expect(stdout).toContain('SUCCESS');
  });
});
