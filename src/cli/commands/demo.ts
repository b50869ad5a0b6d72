import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { executeCheck } from '../../check/execute.js';
import { EXIT } from '../../core/errors.js';
import { loadInventory } from '../../inventory/load.js';
import { startLab } from '../../lab/index.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log.js';
import { findVantage } from '../../planner/vantage.js';
import { parseOutputs, prepareOutputs, writeOutputs } from '../outputs.js';
import { effectiveSettings } from '../../check/settings.js';
import { parseRunFlags } from '../../core/settings.js';
import { demoEpilogue, demoIntroduction } from '../demo-story.js';
import { interruptSignal } from '../signals.js';

export interface DemoFlags {
  readonly output: string;
  /** Per-probe deadline. @default '1s' */
  readonly timeout?: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

/**
 * `psm-netcheck demo`: the main job on an embedded default. Starts the simulated PSM network,
 * checks it from the simulated PSM server exactly as `check` would (same inventory loader,
 * planner, runner and reports), prints the human report, writes the JSON report, stops the lab.
 * Exits with the check's code: 1, since the lab plants failures on purpose.
 */
export async function demoCommand(flags: DemoFlags): Promise<number> {
  const log = createLogger(flags.logLevel, flags.logFormat);
  const outputs = await prepareOutputs(parseOutputs([`json=${resolve(flags.output)}`]));
  // Everything is local: a short deadline keeps the silent ports from stretching the demo.
  const runFlags = { timeout: flags.timeout ?? '1s', retries: '0' };
  parseRunFlags(runFlags); // a bad --timeout is a usage error before the lab starts
  const lab = await startLab();
  const dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-demo-'));
  const interrupt = interruptSignal(log);
  try {
    const inventory = await loadInventory(await lab.writeInventory(dir), { requireSecrets: true });
    const vantage = findVantage(inventory, lab.vantage);
    const settings = effectiveSettings(inventory.defaults, runFlags);
    process.stdout.write(demoIntroduction(lab));
    const report = await executeCheck({ inventory, vantage, settings, signal: interrupt.signal, log });
    await writeOutputs(report, outputs, 'human');
    process.stdout.write(demoEpilogue(lab, report));
    process.stdout.write(`\nJSON report: ${outputs[0]?.path ?? ''}\n`);
    if (!report.complete) return EXIT.interrupted;
    return report.summary.fail > 0 ? EXIT.failures : EXIT.ok;
  } finally {
    interrupt.dispose();
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  }
}
