import { formatCoverageHtml } from './html.js';
import { formatCoverageHuman } from './human.js';
import { formatCoverageJson } from './json.js';
import type { CoverageReport } from './types.js';

export interface CoverageFormatOptions {
  /** Human format: one line per verified path. */
  readonly verbose: boolean;
}

interface CoverageFormatter {
  /** File name extensions that imply the format in `-o FILE`. */
  readonly extensions: readonly string[];
  readonly format: (report: CoverageReport, options: CoverageFormatOptions) => string;
}

const TABLE = {
  human: { extensions: ['.txt'], format: (report, options) => formatCoverageHuman(report, options) },
  json: { extensions: ['.json'], format: (report) => formatCoverageJson(report) },
  html: { extensions: ['.html', '.htm'], format: (report) => formatCoverageHtml(report) },
} satisfies Record<string, CoverageFormatter>;

export type CoverageFormatName = keyof typeof TABLE;

/** The formats of `psm-netcheck merge` by name. */
export const COVERAGE_FORMATS: Readonly<Record<CoverageFormatName, CoverageFormatter>> = TABLE;
export const COVERAGE_FORMAT_NAMES = Object.keys(TABLE) as CoverageFormatName[];

export function isCoverageFormat(name: string): name is CoverageFormatName {
  return Object.hasOwn(TABLE, name);
}

export function coverageFormatOfExtension(extension: string): CoverageFormatName | undefined {
  return COVERAGE_FORMAT_NAMES.find((name) => COVERAGE_FORMATS[name].extensions.includes(extension));
}
