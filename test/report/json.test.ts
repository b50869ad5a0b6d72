import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { formatJson, jsonChunks } from '../../src/report/json.js';
import { REPORT_JSON_SCHEMA, reportSchemaText } from '../../src/report/schema.js';
import { formatPrometheus } from '../../src/report/prometheus.js';
import { loopDelayText } from '../../src/report/diagnosis.js';
import { REPORT_SCHEMA_VERSION } from '../../src/report/types.js';
import type { ProbeResult, Report } from '../../src/report/types.js';
import { REASONS } from '../../probes/reason-catalogue.js';
import { SAMPLE_REPORT } from '../fixtures/report-sample.js';
import { expectGolden } from './golden.js';
import { readReportFile } from '../../src/report/read-report.js';
import { asVersion1, version1Validator } from '../support/report-v1.js';

function validator() {
  // Both packages are CommonJS: under NodeNext the default import is module.exports, whose
  // `.default` is the class / plugin itself (at run time too).
  const ajv = new Ajv2020.default({ allErrors: true, strict: true });
  addFormats.default(ajv);
  return ajv.compile(REPORT_JSON_SCHEMA);
}

/** The same data with every object's keys in reverse order, as another runner might build it. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).reverse().map(([key, inner]) => [key, reverseKeys(inner)]));
  }
  return value;
}

describe('formatJson', () => {
  it('matches the golden file', () => {
    expectGolden('report.json', formatJson(SAMPLE_REPORT));
  });

  it('uses a sample whose reason codes are all real (the goldens double as examples)', () => {
    expect(SAMPLE_REPORT.results.map((r) => r.reason).filter((reason) => REASONS[reason] === undefined)).toEqual([]);
  });

  it('round-trips every field of the sample', () => {
    expect(JSON.parse(formatJson(SAMPLE_REPORT))).toEqual(SAMPLE_REPORT);
  });

  it('writes the same bytes whatever order the keys were built in', () => {
    expect(formatJson(reverseKeys(SAMPLE_REPORT) as Report)).toBe(formatJson(SAMPLE_REPORT));
  });

  it('indents by two spaces, writes each result on one line, ends with a newline, and puts timings.total first', () => {
    const text = formatJson(SAMPLE_REPORT);
    expect(text.startsWith('{\n  "schemaVersion": 2,\n  "tool": {\n    "name": "psm-netcheck"')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('"timings":{"total":182.3,"connect":1.2,"hello":31,');
    const resultLines = text.split('\n').filter((line) => line.startsWith('    {"id":'));
    expect(resultLines).toHaveLength(SAMPLE_REPORT.results.length);
    expect(text).toContain('\n  ],\n  "notTestable": [');
  });

  it('gives the same text in pieces, across the boundaries between pieces', () => {
    const many = Array.from({ length: 2500 }, (_, i) => ({ ...(SAMPLE_REPORT.results[i % SAMPLE_REPORT.results.length] as ProbeResult), id: `r${i}` }));
    for (const results of [many, many.slice(0, 1000), many.slice(0, 1001), SAMPLE_REPORT.results, []]) {
      const report = { ...SAMPLE_REPORT, results };
      const pieces = [...jsonChunks(report)];
      expect(pieces.join('')).toBe(formatJson(report));
      expect(JSON.parse(pieces.join(''))).toEqual(report);
      expect(pieces.length).toBe(results.length === 0 ? 3 : 3 + Math.ceil(results.length / 1000));
    }
  });

  it('writes an empty result list as []', () => {
    const text = formatJson({ ...SAMPLE_REPORT, results: [] });
    expect(text).toContain('\n  "results": [],\n');
    expect(JSON.parse(text)).toEqual({ ...SAMPLE_REPORT, results: [] });
  });

  it('is not confused by a string that looks like the results placeholder', () => {
    const tricky = { ...SAMPLE_REPORT, inventory: '\n  "results": "psm-netcheck:results"' };
    expect(JSON.parse(formatJson(tricky))).toEqual(tricky);
  });

  it('drops properties the report type does not declare', () => {
    const withExtra = { ...SAMPLE_REPORT, debug: { secret: 'x' } } as Report;
    expect(JSON.parse(formatJson(withExtra))).not.toHaveProperty('debug');
  });

  it('omits changes when there was no comparison', () => {
    const { changes: _changes, ...withoutChanges } = SAMPLE_REPORT;
    expect(JSON.parse(formatJson(withoutChanges))).not.toHaveProperty('changes');
  });
});

describe('report JSON Schema', () => {
  it('validates the formatted sample (ajv, draft 2020-12, strict)', () => {
    const validate = validator();
    const valid = validate(JSON.parse(formatJson(SAMPLE_REPORT)));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('validates a run with a timing lane: its loop\'s delay beside the main loop\'s, in the JSON and the metrics', () => {
    const loopDelay = { p50Ms: 0.4, p99Ms: 12, maxMs: 40, lateResults: 3, lateMs: 5, lane: { p50Ms: 0.1, p99Ms: 2.5, maxMs: 9 } };
    const report = { ...SAMPLE_REPORT, loopDelay };
    const validate = validator();
    const formatted = JSON.parse(formatJson(report)) as { loopDelay: unknown };
    expect(validate(formatted)).toBe(true);
    expect(formatted.loopDelay).toEqual(loopDelay);
    const metrics = formatPrometheus(report);
    expect(metrics).toContain('psm_netcheck_timing_lane_loop_delay_p99_seconds{vantage="');
    expect(metrics).toMatch(/psm_netcheck_timing_lane_loop_delay_max_seconds\{[^}]*\} 0\.009\n/);
    expect(loopDelayText(loopDelay)).toContain('timing lane p50 0.1 ms, p99 2.5 ms, max 9 ms');
    expect(formatPrometheus({ ...report, loopDelay: { ...loopDelay, lane: undefined } })).not.toContain('timing_lane');
  });

  it('rejects a wrong verdict, a missing field and an undeclared field', () => {
    const validate = validator();
    const sample = JSON.parse(formatJson(SAMPLE_REPORT)) as Record<string, unknown> & { results: object[] };
    const badVerdict = { ...sample, results: [{ ...sample.results[0], verdict: 'maybe' }] };
    const { summary: _summary, ...missingSummary } = sample;
    const extra = { ...sample, extra: true };
    const badVersion = { ...sample, schemaVersion: REPORT_SCHEMA_VERSION + 1 };
    for (const bad of [badVerdict, missingSummary, extra, badVersion]) expect(validate(bad)).toBe(false);
  });

  it('carries the schema version and the 2020-12 dialect', () => {
    expect(REPORT_JSON_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(REPORT_JSON_SCHEMA.$id).toBe(`urn:psm-netcheck:report:v${REPORT_SCHEMA_VERSION}`);
  });

  it('equals the committed schemas/report.schema.json (regenerate: scripts/write-report-schema.ts)', () => {
    const committed = readFileSync(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(reportSchemaText());
  });
});

describe('report schema versions (docs/report-schema.md)', () => {
  // The sample with every field version 2 added.
  const first = SAMPLE_REPORT.results[0] as ProbeResult;
  const withNewFields: Report = {
    ...SAMPLE_REPORT,
    loopDelay: { p50Ms: 0.1, p99Ms: 2, maxMs: 9, lateResults: 1, lateMs: 5 },
    pathDiagnosis: { icmpObserver: { on: true }, locate: { on: true, located: 1, skipped: 0 } },
    results: [
      {
        ...first,
        attemptTimings: [{ total: 2000 }, { total: 1000 }],
        loopLateMs: 7,
        sourcePorts: [40001, 40002],
        icmp: { family: 4, type: 3, code: 13, reason: 'admin-prohibited', from: '198.51.100.66', fromTarget: false },
        locate: { method: 'udp', lastHop: 2, lastHopAddress: '198.51.100.66', reachedTarget: false, targetHopsByIcmp: 3, maxHops: 16 },
      },
      ...SAMPLE_REPORT.results.slice(1),
    ],
  };

  it('version 2 validates the report with every new field', () => {
    const validate = validator();
    expect(validate(JSON.parse(formatJson(withNewFields))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the new fields break the published version 1 (it forbids undeclared properties): hence version 2', () => {
    const validate = version1Validator();
    // Even labelled version 1, as the reports of issue 17's first merges were, today's fields are rejected.
    const labelledOld = { ...(JSON.parse(formatJson(withNewFields)) as object), schemaVersion: 1 };
    expect(validate(labelledOld)).toBe(false);
    const refused = new Set((validate.errors ?? []).map((error) => (error.params as { additionalProperty?: string }).additionalProperty));
    for (const field of ['loopDelay', 'pathDiagnosis', 'attemptTimings', 'loopLateMs', 'sourcePorts', 'icmp', 'locate']) expect(refused).toContain(field);
    expect(REPORT_SCHEMA_VERSION).toBe(2);
  });

  it('--compare and merge read a version 1 report (valid under the version 1 schema) as it is', async () => {
    const old = asVersion1(withNewFields);
    const validate = version1Validator();
    expect(validate(old), JSON.stringify(validate.errors)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'psm-netcheck-v1-'));
    try {
      const file = join(dir, 'v1.json');
      writeFileSync(file, JSON.stringify(old));
      const read = await readReportFile(file, { code: 'E_PREVIOUS_REPORT', label: file });
      expect(read?.results.map((result) => [result.id, result.verdict])).toEqual(SAMPLE_REPORT.results.map((result) => [result.id, result.verdict]));
      expect(read?.loopDelay).toBeUndefined();
      writeFileSync(file, JSON.stringify({ ...old, schemaVersion: 3 }));
      await expect(readReportFile(file, { code: 'E_PREVIOUS_REPORT', label: file })).rejects.toThrow(/of this version or one it reads \(schema 1, 2\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
