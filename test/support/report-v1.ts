import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import type { Report } from '../../src/report/types.js';

/**
 * Schema version 1 of the report, as it was published before issue 17 (schemas/report.schema.json
 * at commit 99d5c78), kept as test/fixtures/report.schema.v1.json: what a consumer who has not
 * updated validates with, and what `--compare` and `merge` must still read.
 */
export function version1Validator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(new URL('../fixtures/report.schema.v1.json', import.meta.url), 'utf8')) as object;
  // ajv and ajv-formats are CommonJS: under NodeNext their classes are on `.default`.
  const ajv = new Ajv2020.default({ allErrors: true, strict: true });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

/** A report as version 1 wrote it: without the fields version 2 added (docs/report-schema.md). */
export function asVersion1(report: Report): Record<string, unknown> {
  const { loopDelay: _loopDelay, pathDiagnosis: _pathDiagnosis, ...rest } = report;
  const results = report.results.map((result) => {
    const { attemptTimings: _a, loopLateMs: _l, sourcePorts: _s, icmp: _i, locate: _o, ...kept } = result;
    return kept;
  });
  return { ...rest, schemaVersion: 1, results };
}
