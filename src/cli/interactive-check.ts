import type { Logger } from 'pino';
import type { ProbeKind } from '../../probes/registry.js';
import { executeCheck, type CheckOptions } from '../check/execute.js';
import type { Host, Inventory } from '../inventory/types.js';
import type { JsonLinesAhead } from '../report/json-ahead.js';
import type { Report } from '../report/types.js';
import { createProgress } from './progress.js';
import type { EffectiveSettings } from '../check/settings.js';
import { interruptSignal } from './signals.js';

/**
 * The main job as a command runs it in a terminal or under a service manager: Ctrl-C and
 * SIGTERM end it with what finished, and a progress line is drawn on a terminal. Shared by
 * `check` and `preflight`.
 */
export async function interactiveCheck(args: {
  readonly inventory: Inventory;
  readonly vantage: Host;
  readonly settings: EffectiveSettings;
  readonly log: Logger;
  readonly only: readonly ProbeKind[] | undefined;
  readonly viaResponder: readonly string[] | undefined;
  readonly progress: boolean;
  /** The JSON report's lines, formatted while the last probes wait (outputs.ts: linesAheadFor). */
  readonly linesAhead?: JsonLinesAhead | undefined;
  /** `check`: the ICMP error observer and --locate (absent for preflight). */
  readonly pathDiagnosis?: CheckOptions['pathDiagnosis'];
}): Promise<Report> {
  const { only, viaResponder, linesAhead } = args;
  const interrupt = interruptSignal(args.log);
  const progress = args.progress ? createProgress(process.stderr) : undefined;
  try {
    return await executeCheck({
      inventory: args.inventory,
      vantage: args.vantage,
      settings: args.settings,
      signal: interrupt.signal,
      log: args.log,
      ...(only === undefined ? {} : { only }),
      ...(args.pathDiagnosis === undefined ? {} : { pathDiagnosis: args.pathDiagnosis }),
      ...(viaResponder === undefined ? {} : { planOptions: { viaResponder } }),
      ...(progress === undefined ? {} : { onPlan: (plan) => progress.start(plan.probes.length) }),
      ...(progress === undefined && linesAhead === undefined
        ? {}
        : {
            onResult: (result) => {
              progress?.tick();
              linesAhead?.add(result);
            },
          }),
      ...(linesAhead === undefined ? {} : { onDrained: linesAhead.begin }),
    });
  } finally {
    linesAhead?.stop();
    progress?.stop();
    interrupt.dispose();
  }
}
