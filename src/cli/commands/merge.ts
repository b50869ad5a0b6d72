import { EXIT, NetcheckError } from '../../core/errors.js';
import { prepareNamedOutputs, writeNamedOutput } from '../named-outputs.js';
import { COVERAGE_FORMAT_NAMES, COVERAGE_FORMATS, coverageFormatOfExtension, isCoverageFormat, type CoverageFormatName } from '../../merge/formats.js';
import { mergeReports, type MergeInput } from '../../merge/merge.js';
import type { CoverageReport } from '../../merge/types.js';
import { loadInventory } from '../../inventory/load.js';
import { createLogger, type LogLevel } from '../../log.js';
import { readReportFile } from '../../report/read-report.js';

export interface MergeFlags {
  readonly inventory: string;
  readonly output: string[];
  readonly format: CoverageFormatName | 'none';
  readonly verbose?: boolean;
  readonly logLevel: LogLevel;
}

/**
 * `psm-netcheck merge -i INVENTORY REPORT.json...`: the JSON reports of several vantages as one
 * answer for the deployment (src/merge/merge.ts). Everything is checked before anything is
 * written: the outputs, the inventory, every report (a bounded regular file, the report schema, a
 * vantage of this inventory). Exit 0 when every path of the matrix is verified (pass or warn) or
 * cannot be; 1 when one fails, conflicts, or is not (fully) tested yet.
 */
export async function mergeCommand(files: readonly string[], flags: MergeFlags): Promise<number> {
  const log = createLogger(flags.logLevel);
  const outputs = await prepareNamedOutputs(flags.output, { prefix: /^([a-z]+)=(.+)$/, names: COVERAGE_FORMAT_NAMES, isFormat: isCoverageFormat, ofExtension: coverageFormatOfExtension, example: 'json' });
  // Merging sends nothing and logs in nowhere: secrets need not be readable.
  const inventory = await loadInventory(flags.inventory, { requireSecrets: false });
  const inputs: MergeInput[] = [];
  for (const file of files) {
    const report = await readReportFile(file, { code: 'E_INPUT_REPORT', label: file });
    if (report === undefined) throw new NetcheckError('E_INPUT_REPORT', `${file}: no such file`);
    inputs.push({ file, report });
  }
  const merged = mergeReports(inventory, inputs, { inventoryLabel: flags.inventory });
  log.info({ reports: inputs.length, paths: merged.summary.total, unmatched: merged.unmatched.length }, 'merged');
  if (merged.unmatched.length > 0) {
    log.warn({ unmatched: merged.unmatched.length }, 'some results match no path of this inventory: see "unmatched" in the report');
  }

  const options = { verbose: flags.verbose === true };
  for (const output of outputs) {
    await writeNamedOutput(output, COVERAGE_FORMATS[output.format].format(merged, options));
  }
  if (flags.format !== 'none') process.stdout.write(COVERAGE_FORMATS[flags.format].format(merged, options));
  return everyPathSettled(merged) ? EXIT.ok : EXIT.failures;
}

/** Every path verified (pass or warn) or impossible to verify: the deployment's answer is yes. */
export function everyPathSettled(report: CoverageReport): boolean {
  const { summary } = report;
  return summary.conflict + summary.fail + summary['not-covered'] + summary.partial === 0;
}

