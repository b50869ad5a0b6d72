import type { Logger } from 'pino';
import { now } from '../core/clock.js';
import type { ProbeKind } from '../../probes/registry.js';
import type { Inventory } from '../inventory/types.js';
import { planChecks, type PlanOptions } from '../planner/plan.js';
import type { Plan } from '../planner/types.js';
import { buildReport } from '../report/build.js';
import type { ProbeResult, Report } from '../report/types.js';
import { runPlan } from '../runner/run.js';
import type { EffectiveSettings } from './settings.js';
import { startPathDiagnosis, type LocateSettings } from './path-diagnosis.js';

export interface CheckOptions {
  readonly inventory: Inventory;
  readonly vantage: Inventory['hosts'][number];
  readonly settings: EffectiveSettings;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Run only these probe kinds. */
  readonly only?: readonly ProbeKind[];
  /** Planner options, e.g. the hosts to probe through `psm-netcheck respond`. */
  readonly planOptions?: PlanOptions;
  readonly onPlan?: (plan: Plan) => void;
  readonly onResult?: (result: ProbeResult) => void;
  /** Once nothing is left to start for now (see RunOptions.onDrained). */
  readonly onDrained?: () => void;
  /**
   * `check` and `serve`: the ICMP error observer and `--locate` (src/check/path-diagnosis.ts).
   * Absent: neither runs and the report has no pathDiagnosis section (demo).
   */
  readonly pathDiagnosis?: { readonly observer: boolean; readonly locate: LocateSettings };
  /** See RunOptions.timingLane. @default true */
  readonly timingLane?: boolean;
}

/** Plan, run and assemble the report: the main job, shared by `check`, `demo` and `serve`. */
export async function executeCheck(options: CheckOptions): Promise<Report> {
  const { inventory, vantage, settings, log } = options;
  const startedAt = new Date();
  const started = now();
  const plan = planChecks(inventory, vantage, undefined, {
    ...options.planOptions,
    ...(options.only === undefined ? {} : { only: options.only }),
  });
  options.onPlan?.(plan);
  log.info({ vantage: vantage.name, probes: plan.probes.length, ...settings }, 'check started');
  const diagnosis = options.pathDiagnosis === undefined ? undefined : await startPathDiagnosis(options.pathDiagnosis);
  const ran = await runPlan(plan.probes, {
    source: vantage.name,
    ...settings,
    signal: options.signal,
    log,
    ...(options.onResult === undefined ? {} : { onResult: options.onResult }),
    ...(options.onDrained === undefined ? {} : { onDrained: options.onDrained }),
    ...(options.timingLane === undefined ? {} : { timingLane: options.timingLane }),
  });
  // UDP and ICMP retries are spaced 1 s apart (src/runner/run.ts): the window of a result's ICMP errors.
  const diagnosed = diagnosis === undefined ? undefined : await diagnosis.finish(ran.results, { timeoutMs: settings.timeoutMs, retrySpacingMs: 1000 });
  const outcome = diagnosed === undefined ? ran : { ...ran, results: diagnosed.results };
  const built = buildReport({
    inventory: inventory.source,
    plan,
    outcome,
    startedAt,
    finishedAt: new Date(),
    durationMs: now() - started,
  });
  const report = diagnosed === undefined ? built : { ...built, pathDiagnosis: diagnosed.section };
  log.info({ summary: report.summary, complete: report.complete, durationMs: report.durationMs }, 'check finished');
  return report;
}
