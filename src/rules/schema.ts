import { z } from 'zod';
import { ROLES, TRANSPORTS } from '../core/model.js';
import { DENY_TARGETS, RULE_ACTIONS, RULE_DIRECTIONS, RULES_SCHEMA_VERSION } from './types.js';
import type { RuleSet } from './types.js';

/**
 * The JSON rule set's schema, written in zod like the reports' (src/report/schema.ts); a
 * compile-time check at the bottom fails when it and ./types.ts drift apart.
 */

const count = z.number().int().min(0);

const endpoint = z.object({
  host: z.string(),
  role: z.enum(ROLES),
  addresses: z.array(z.string()).describe('IPv4/IPv6 literals or DNS names, as the inventory gives them'),
});

const entry = z.object({
  id: z.string().describe('`r<n>`: denies first, then in the matrix\'s order'),
  action: z.enum(RULE_ACTIONS),
  row: z.string().describe('Matrix row id, or `path:<name>` for an inventory path'),
  table: z.number().int().min(0).max(8).describe('The vendor\'s table (1-8); 0 for an inventory path'),
  application: z.string(),
  direction: z.enum(RULE_DIRECTIONS).describe('both: the deployment also needs the same protocol and ports the other way'),
  protocol: z.enum(TRANSPORTS),
  ports: z.array(z.string()).describe('Destination ports: "22" or "9999-10100"; empty for ICMP (echo-request)'),
  sources: z.array(endpoint),
  destinations: z.array(endpoint),
  paths: count.describe('Deployment paths (row, source host, destination host) this entry carries'),
});

export const rulesSchema = z
  .object({
    schemaVersion: z.literal(RULES_SCHEMA_VERSION),
    tool: z.object({ name: z.literal('psm-netcheck'), version: z.string() }),
    inventory: z.string(),
    aggregated: z.boolean().describe('false with --per-host: one entry per source and destination host'),
    deny: z.enum(DENY_TARGETS).describe('--deny: what the rule sets do with a deny entry\'s packets (drop: silently; reject: TCP reset or ICMP port unreachable)'),
    summary: z.object({ entries: count, allow: count, deny: count, paths: count }),
    entries: z.array(entry),
  })
  .describe('psm-netcheck rules: the firewall flows the matrix requires for one inventory');

/** The JSON Schema (draft 2020-12) that `schemas/rules.schema.json` holds. */
export const RULES_JSON_SCHEMA: Readonly<Record<string, unknown>> = (() => {
  const generated = z.toJSONSchema(rulesSchema, { target: 'draft-2020-12' });
  return {
    $schema: generated.$schema,
    $id: `urn:psm-netcheck:rules:v${RULES_SCHEMA_VERSION}`,
    title: 'psm-netcheck firewall rules',
    ...generated,
  };
})();

/** The exact text of the committed schema file; the test and the writer script share it. */
export function rulesSchemaText(): string {
  return `${JSON.stringify(RULES_JSON_SCHEMA, null, 2)}\n`;
}

// ---- compile-time check that the schema describes exactly the RuleSet type

type Writable<T> = T extends readonly (infer U)[]
  ? Writable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Writable<T[K]> }
    : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const schemaMatchesType: Same<Writable<RuleSet>, z.infer<typeof rulesSchema>> = true;
void schemaMatchesType;
