import { VERDICTS } from '../core/model.js';
import type { Plan } from '../planner/types.js';
import type { RunOutcome } from '../runner/run.js';
import { TOOL_VERSION } from '../core/version.js';
import { REPORT_SCHEMA_VERSION, type ProbeResult, type Report, type VerdictCounts } from './types.js';

export function countVerdicts(results: readonly ProbeResult[]): VerdictCounts {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as VerdictCounts;
  for (const result of results) counts[result.verdict]++;
  counts.total = results.length;
  return counts;
}

/** Assemble the reference (JSON) report of one run. */
export function buildReport(args: {
  inventory: string;
  plan: Plan;
  outcome: RunOutcome;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
}): Report {
  const { plan, outcome } = args;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'psm-netcheck', version: TOOL_VERSION },
    inventory: args.inventory,
    startedAt: args.startedAt.toISOString(),
    finishedAt: args.finishedAt.toISOString(),
    durationMs: Math.round(args.durationMs * 1000) / 1000,
    vantage: { name: plan.vantage.name, roles: plan.vantage.roles },
    complete: outcome.complete,
    summary: countVerdicts(outcome.results),
    loopDelay: outcome.loopDelay,
    results: outcome.results,
    notTestable: plan.notTestable,
  };
}
