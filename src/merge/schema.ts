import { z } from 'zod';
import { EXPECTATIONS, ROLES, TRANSPORTS, TRANSPORT_STATES, VERDICTS } from '../core/model.js';
import { COVERAGE_SCHEMA_VERSION, METHODS, PATH_STATUSES } from './types.js';
import type { CoverageReport } from './types.js';

/**
 * The merged report's JSON Schema, written in zod like the report's (src/report/schema.ts): enums
 * follow the model by construction, and a compile-time check at the bottom fails when the schema
 * and ./types.ts drift apart.
 */

const isoInstant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant');
const count = z.number().int().min(0);
const status = z.enum(PATH_STATUSES);
const point = z.string().describe('`<address> <transport>/<port>`, or `<address> icmp`');

const input = z.object({
  file: z.string().describe('The report file as given to merge'),
  vantage: z.string(),
  roles: z.array(z.enum(ROLES)),
  startedAt: isoInstant,
  finishedAt: isoInstant,
  complete: z.boolean(),
  results: count,
});

const observedResult = z.object({
  id: z.string().describe('The result id in its report'),
  point,
  probe: z.string(),
  state: z.enum(TRANSPORT_STATES),
  reason: z.string(),
  verdict: z.enum(VERDICTS),
  message: z.string(),
  findings: z.array(z.object({ code: z.string(), severity: z.enum(['info', 'warn', 'fail']), message: z.string() })),
  startedAt: isoInstant,
});

const observation = z.object({
  input: count.describe('Index into `inputs`'),
  vantage: z.string(),
  method: z.enum(METHODS).describe('direct: the protocol probe; responder: through `psm-netcheck respond`'),
  verdict: z.enum(VERDICTS).describe('Worst verdict of its results'),
  results: z.array(observedResult),
});

const nextStep = z.object({
  why: z.string(),
  commands: z.array(z.object({ host: z.string(), command: z.string() })).describe('In order; empty when nothing can verify the path'),
});

const coveragePath = z.object({
  id: z.string().describe('`<row>/<from>/<to>`'),
  row: z.string().describe('Matrix row id, or `path:<name>` for an inventory path'),
  table: z.number().int().min(0).max(8).describe('Table of the row; 0 for an inventory path'),
  application: z.string(),
  from: z.string(),
  to: z.string(),
  transport: z.enum(TRANSPORTS),
  ports: z.array(z.string()),
  expected: z.enum(EXPECTATIONS),
  status,
  observations: z.array(observation).describe('The latest results per vantage and method'),
  conflicts: z.array(point).describe('Probes that pass by one method and fail by another'),
  missing: z.array(z.string()).describe('Probes no report tested, ports collapsed into runs'),
  untestable: z.array(z.object({ ports: z.string(), why: z.string() })),
  next: nextStep.optional().describe('Why the path is not fully verified, and what would verify it'),
  standIns: z
    .array(z.object({ host: z.string(), path: z.string(), status }))
    .optional()
    .describe('For a path from a network element: the same path tested from Linux hosts of its type'),
});

const summary = z.object({
  conflict: count,
  fail: count,
  'not-covered': count,
  partial: count,
  warn: count,
  pass: count,
  'cannot-verify': count,
  total: count,
});

export const coverageSchema = z
  .object({
    schemaVersion: z.literal(COVERAGE_SCHEMA_VERSION),
    tool: z.object({ name: z.literal('psm-netcheck'), version: z.string() }),
    inventory: z.string(),
    inputs: z.array(input),
    summary,
    hosts: z.array(
      z.object({
        name: z.string(),
        roles: z.array(z.enum(ROLES)),
        group: z.enum(ROLES).describe('The role the matrix view groups the host under'),
        reported: z.boolean().describe('Whether a merged report was made from this host'),
      }),
    ),
    paths: z.array(coveragePath),
    unmatched: z.array(z.object({ input: count, id: z.string(), rows: z.array(z.string()), why: z.string() })),
  })
  .describe('psm-netcheck merge: every matrix path of one inventory, and what the vantages\' reports say about it');

/** The JSON Schema (draft 2020-12) that `schemas/coverage.schema.json` holds. */
export const COVERAGE_JSON_SCHEMA: Readonly<Record<string, unknown>> = (() => {
  const generated = z.toJSONSchema(coverageSchema, { target: 'draft-2020-12' });
  return {
    $schema: generated.$schema,
    $id: `urn:psm-netcheck:coverage:v${COVERAGE_SCHEMA_VERSION}`,
    title: 'psm-netcheck merged report',
    ...generated,
  };
})();

/** The exact text of the committed schema file; the test and the writer script share it. */
export function coverageSchemaText(): string {
  return `${JSON.stringify(COVERAGE_JSON_SCHEMA, null, 2)}\n`;
}

// ---- compile-time check that the schema describes exactly the CoverageReport type

type Writable<T> = T extends readonly (infer U)[]
  ? Writable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Writable<T[K]> }
    : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const schemaMatchesType: Same<Writable<CoverageReport>, z.infer<typeof coverageSchema>> = true;
void schemaMatchesType;
