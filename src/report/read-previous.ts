import { readReportFile } from './read-report.js';
import type { Report } from './types.js';

/**
 * A previous JSON report for `--compare`, checked before any probe (./read-report.ts): a bounded
 * regular file, valid against the report schema of this version, else E_PREVIOUS_REPORT.
 * Undefined when the file does not exist: the first scheduled run has nothing to compare with.
 */
export function readPreviousReport(path: string): Promise<Report | undefined> {
  return readReportFile(path, { code: 'E_PREVIOUS_REPORT', label: `--compare ${path}` });
}
