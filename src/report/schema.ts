import { z } from 'zod';
import { EXPECTATIONS, ROLES, TRANSPORTS, TRANSPORT_STATES, VERDICTS } from '../core/model.js';
import { READABLE_REPORT_VERSIONS, REPORT_SCHEMA_VERSION } from './types.js';
import type { Report } from './types.js';

/**
 * The report's JSON Schema, written once in zod so that enums follow src/core/model.ts by
 * construction. The TypeScript types in ./types.ts stay the contract: the compile-time check at
 * the bottom fails when the two drift apart.
 */

const isoInstant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant');
const role = z.enum(ROLES);
const transport = z.enum(TRANSPORTS);
const verdict = z.enum(VERDICTS);
const count = z.number().int().min(0);

const phaseTimings = z
  .object({ total: z.number().min(0).describe('Whole probe, every attempt, milliseconds (monotonic clock)') })
  .catchall(z.number().min(0))
  .describe('Milliseconds per phase; `total` is always present');

const evidence = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]))
  .describe('What the probe saw that proves its state (banner, capabilities, certificate...)');

const finding = z.object({
  code: z.string().describe('Stable kebab-case code'),
  severity: z.enum(['info', 'warn', 'fail']),
  message: z.string(),
});

const probeResult = z.object({
  id: z.string().describe('`<target>/<address>/<transport>/<port|->/<probe>`: the key for comparing runs'),
  rows: z.array(z.string()).describe('Matrix rows this probe verifies'),
  tables: z.array(z.number().int().min(1)).describe("Tables of those rows in the vendor's port tables (1-8); empty for inventory paths"),
  application: z.string(),
  probe: z.string(),
  source: z.string().describe('Vantage host name'),
  target: z.string(),
  targetRole: role,
  address: z.string(),
  transport,
  port: z.number().int().min(0).max(65535).nullable(),
  expected: z.enum(EXPECTATIONS),
  state: z.enum(TRANSPORT_STATES),
  reason: z.string().describe('Reason catalogue code'),
  attempts: count,
  timings: phaseTimings.describe('The last attempt\'s phases, milliseconds; `total` spans every attempt and the pauses between them'),
  attemptTimings: z.array(phaseTimings).optional().describe('Each attempt\'s own timings, oldest first; only when there were several attempts'),
  loopLateMs: z
    .number()
    .min(0)
    .optional()
    .describe('How late the checker\'s event loop ran while this probe was timed, ms, when 5 ms or more: the timings may be that much too long'),
  sourcePorts: z
    .array(z.number().int().min(1).max(65535))
    .optional()
    .describe('Local (source) port of each attempt\'s socket, oldest first, where an ICMP error could explain the result: what the ICMP error observer matched by'),
  evidence,
  findings: z.array(finding),
  verdict,
  message: z.string(),
  startedAt: isoInstant,
  icmp: z
    .object({
      family: z.union([z.literal(4), z.literal(6)]),
      type: z.number().int().min(0).max(255),
      code: z.number().int().min(0).max(255),
      reason: z.string().describe('Reason catalogue code of the type and code'),
      from: z.string().describe('The address that sent the ICMP error'),
      fromTarget: z.boolean().describe('True when the target sent it, false for a router on the path'),
    })
    .optional()
    .describe('The ICMP error this probe caused, seen by the ICMP error observer (needs CAP_NET_RAW)'),
  locate: z
    .object({
      method: z.enum(['tcp-syn', 'udp', 'icmp-echo']),
      lastHop: count.describe('Highest TTL a hop answered; 0 when none did'),
      lastHopAddress: z.string().optional(),
      reachedTarget: z.boolean(),
      targetHopsByIcmp: count.optional().describe('Hops to the target by ICMP echo'),
      maxHops: count,
    })
    .optional()
    .describe('`--locate`: where a silent path stops answering'),
});

const notTestable = z.object({
  row: z.string(),
  table: z.number().int().min(0).describe("Table of the row in the vendor's port tables (1-8); 0 for a path the inventory declares"),
  application: z.string(),
  from: z.string(),
  to: z.string(),
  transport,
  ports: z.array(z.string()),
  why: z.string().describe('Why this vantage cannot test the path'),
  verify: z.string().optional().describe('What would test it, one line; absent when nothing can'),
  testableFrom: z.array(z.string()).describe('Inventory hosts (or roles) from which the path could be tested'),
});

const loopDelay = z
  .object({
    p50Ms: z.number().min(0),
    p99Ms: z.number().min(0),
    maxMs: z.number().min(0),
    lateResults: count.describe('Results timed while the loop ran at least `lateMs` late (they carry `loopLateMs`)'),
    lateMs: z.number().min(0),
    laneResults: count
      .optional()
      .describe("Results timed in a lane of their own (NTP and plain TCP connects in the timing thread, ICMP echo in the echo process, in a run that mixes them with other probes): the main loop's delay does not apply to them"),
    lane: z
      .object({ p50Ms: z.number().min(0), p99Ms: z.number().min(0), maxMs: z.number().min(0) })
      .optional()
      .describe("The timing lane's own loop (NTP and TCP probes in a thread of their own beside other kinds); absent when the run had none"),
  })
  .describe('How late the event loop ran during the run (monitorEventLoopDelay), ms: how far the timings can be trusted');

const reportChanges = z.object({
  previous: z.string().describe('Which report this run was compared with'),
  newFailures: z.array(z.string()),
  recoveries: z.array(z.string()),
  added: z.array(z.string()),
  removed: z.array(z.string()),
});

const verdictCounts = z.object({
  pass: count,
  warn: count,
  fail: count,
  skip: count,
  total: count,
});

const preflightCheck = z.object({
  id: z.string().describe('`port/tcp/9998`, `ephemeral-range`, `ephemeral-overlap`, `address/<ip>`, `firewall`'),
  kind: z.enum(['port', 'ephemeral-range', 'address', 'firewall']),
  verdict,
  message: z.string(),
  rows: z.array(z.string()).describe('Matrix rows (or `path:<name>`) behind the check'),
  evidence,
});

const preflightSection = z
  .object({
    host: z.string().describe('The host checked (the vantage)'),
    summary: verdictCounts,
    checks: z.array(preflightCheck),
  })
  .describe('`preflight` only: local checks before PSM is installed');

export const reportSchema = z
  .object({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    tool: z.object({ name: z.literal('psm-netcheck'), version: z.string() }),
    inventory: z.string(),
    startedAt: isoInstant,
    finishedAt: isoInstant,
    durationMs: z.number().min(0),
    vantage: z.object({ name: z.string(), roles: z.array(role) }),
    complete: z.boolean().describe('False when the run was interrupted before every probe finished'),
    summary: verdictCounts,
    loopDelay: loopDelay.optional(),
    results: z.array(probeResult),
    notTestable: z.array(notTestable),
    changes: reportChanges.optional(),
    preflight: preflightSection.optional(),
    pathDiagnosis: z
      .object({
        icmpObserver: z.object({ on: z.boolean(), why: z.string().optional() }),
        locate: z.object({ on: z.boolean(), why: z.string().optional(), located: count, skipped: count }),
      })
      .optional()
      .describe('`check`: whether the ICMP error observer and --locate ran, and why not'),
  })
  .describe('psm-netcheck report: the reference format every other output is derived from');

/**
 * What `--compare` and `merge` accept: a report of this version or of an older one whose fields
 * are a subset of this one's (READABLE_REPORT_VERSIONS), told apart only by `schemaVersion`.
 */
export const readableReportSchema = reportSchema.extend({
  schemaVersion: z.union(READABLE_REPORT_VERSIONS.map((version) => z.literal(version))),
});

/** The JSON Schema (draft 2020-12) that `schemas/report.schema.json` holds. */
export const REPORT_JSON_SCHEMA: Readonly<Record<string, unknown>> = (() => {
  const generated = z.toJSONSchema(reportSchema, { target: 'draft-2020-12' });
  return {
    $schema: generated.$schema,
    // The version sits in the id so that a consumer can pick the schema by the report's schemaVersion.
    $id: `urn:psm-netcheck:report:v${REPORT_SCHEMA_VERSION}`,
    title: 'psm-netcheck report',
    ...generated,
  };
})();

/** The exact text of the committed schema file; the test and the writer script share it. */
export function reportSchemaText(): string {
  return `${JSON.stringify(REPORT_JSON_SCHEMA, null, 2)}\n`;
}

// ---- compile-time check that the schema describes exactly the Report type

type Writable<T> = T extends readonly (infer U)[]
  ? Writable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Writable<T[K]> }
    : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const schemaMatchesReportType: Same<Writable<Report>, z.infer<typeof reportSchema>> = true;
void schemaMatchesReportType;
