import { EXIT, NetcheckError } from '../../core/errors.js';
import { loadInventory } from '../../inventory/load.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log.js';
import { findVantage } from '../../planner/vantage.js';
import { runPreflight } from '../../preflight/run.js';
import { interactiveCheck } from '../interactive-check.js';
import { parseOnly } from '../only.js';
import { linesAheadFor, parseOutputs, prepareOutputs, writeOutputs } from '../outputs.js';
import { effectiveSettings } from '../../check/settings.js';
import type { RunFlags } from '../../core/settings.js';
import { parseViaResponder } from '../via-responder.js';

export interface PreflightFlags extends RunFlags {
  readonly inventory: string;
  readonly from?: string;
  readonly output?: string[];
  readonly format: 'human' | 'wide' | 'json' | 'none';
  readonly only?: string[];
  readonly viaResponder?: string[];
  readonly progress: boolean;
  /** The human report on stdout with every column (`-f wide`). */
  readonly wide?: boolean;
  /** The human report lists every passing result. */
  readonly verbose?: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

/** The report formats that show the local checks; the others describe probe results only. */
const PREFLIGHT_FORMATS: readonly string[] = ['human', 'wide', 'json'];

/**
 * `psm-netcheck preflight`, on the host that will become a PSM server or client, before PSM is
 * installed: the local checks (its ports free or taken by the expected service, ephemeral range,
 * its inventory addresses, the local firewall) and then the outbound checks of the normal plan,
 * in one report.
 */
export async function preflightCommand(flags: PreflightFlags): Promise<number> {
  const log = createLogger(flags.logLevel, flags.logFormat);
  const requested = parseOutputs(flags.output ?? []);
  for (const output of requested) {
    if (!PREFLIGHT_FORMATS.includes(output.format)) {
      throw new NetcheckError('E_USAGE', `--output ${output.path}: preflight writes json, human or wide reports (the local checks exist only there)`);
    }
  }
  const outputs = await prepareOutputs(requested);
  const only = parseOnly(flags.only);
  const inventory = await loadInventory(flags.inventory, { requireSecrets: true });
  const vantage = findVantage(inventory, flags.from);
  const settings = effectiveSettings(inventory.defaults, flags);
  const viaResponder = parseViaResponder(inventory, vantage, flags.viaResponder);

  const local = await runPreflight({ inventory, host: vantage });
  log.info({ host: vantage.name, summary: local.summary }, 'local checks done');

  const format = flags.wide === true && flags.format === 'human' ? 'wide' : flags.format;
  const linesAhead = linesAheadFor(outputs, format);
  let report = await interactiveCheck({ inventory, vantage, settings, log, only, viaResponder, progress: flags.progress, linesAhead });
  report = { ...report, preflight: local };

  await writeOutputs(report, outputs, format, linesAhead, { verbose: flags.verbose === true });
  if (!report.complete) return EXIT.interrupted;
  return report.summary.fail > 0 || local.summary.fail > 0 ? EXIT.failures : EXIT.ok;
}
