import type { Logger } from 'pino';
import { EXIT } from '../../core/errors.js';
import { loadInventory } from '../../inventory/load.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log.js';
import { findVantage } from '../../planner/vantage.js';
import { compareReports } from '../../report/compare.js';
import { readPreviousReport } from '../../report/read-previous.js';
import type { Report } from '../../report/types.js';
import { interactiveCheck } from '../interactive-check.js';
import { acquireLock } from '../lock.js';
import type { FormatName } from '../../report/index.js';
import { linesAheadFor, parseOutputs, prepareOutputs, writeOutputs } from '../outputs.js';
import { parseOnly } from '../only.js';
import { effectiveSettings } from '../../check/settings.js';
import { pathDiagnosisFromFlags, type PathDiagnosisFlags } from '../../check/path-diagnosis-settings.js';
import type { RunFlags } from '../../core/settings.js';
import { parseViaResponder } from '../via-responder.js';

export interface CheckFlags extends RunFlags, PathDiagnosisFlags {
  readonly inventory: string;
  readonly from?: string;
  readonly output?: string[];
  readonly format: FormatName | 'none';
  readonly only?: string[];
  readonly compare?: string;
  readonly lock?: string;
  readonly viaResponder?: string[];
  readonly progress: boolean;
  /** The human report on stdout with every column (`-f wide`). */
  readonly wide?: boolean;
  /** The human report lists every passing result. */
  readonly verbose?: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

export async function checkCommand(flags: CheckFlags): Promise<number> {
  const log = createLogger(flags.logLevel, flags.logFormat);
  // Everything the user gave is checked before the first packet: flags, outputs, inventory.
  const outputs = await prepareOutputs(parseOutputs(flags.output ?? []));
  const only = parseOnly(flags.only);
  const previous = flags.compare === undefined ? undefined : await readPrevious(flags.compare, log);
  const inventory = await loadInventory(flags.inventory, { requireSecrets: true });
  const vantage = findVantage(inventory, flags.from);
  const settings = effectiveSettings(inventory.defaults, flags);
  const viaResponder = parseViaResponder(inventory, vantage, flags.viaResponder);

  const lock = flags.lock === undefined ? undefined : await acquireLock(flags.lock);
  const format = flags.wide === true && flags.format === 'human' ? 'wide' : flags.format;
  const linesAhead = linesAheadFor(outputs, format);
  let report: Report;
  try {
    const pathDiagnosis = pathDiagnosisFromFlags(flags);
    report = await interactiveCheck({ inventory, vantage, settings, log, only, viaResponder, progress: flags.progress, linesAhead, pathDiagnosis });
  } finally {
    await lock?.release();
  }
  if (previous !== undefined) report = { ...report, changes: compareReports(previous.report, report, previous.label) };

  const imposed = await writeOutputs(report, outputs, format, linesAhead, { verbose: flags.verbose === true });
  if (imposed !== undefined) return imposed;
  if (!report.complete) return EXIT.interrupted;
  return report.summary.fail > 0 ? EXIT.failures : EXIT.ok;
}

/**
 * The report of the previous run, checked before any probe (src/report/read-previous.ts). A
 * missing file is the first scheduled run (cron and the systemd timer compare with the report they
 * are about to overwrite): that run is simply not compared.
 */
async function readPrevious(path: string, log: Logger): Promise<{ report: Report; label: string } | undefined> {
  const report = await readPreviousReport(path);
  if (report === undefined) {
    log.warn({ compare: path }, 'no previous report yet: this run is not compared');
    return undefined;
  }
  return { report, label: path };
}
