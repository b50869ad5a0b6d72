import { formatHtml } from './html.js';
import { formatHuman } from './human.js';
import { formatHumanWide } from './human-wide.js';
import { formatJson, jsonChunks, type ResultLines } from './json.js';
import { formatJunit } from './junit.js';
import { formatNagios } from './nagios.js';
import { formatPrometheus } from './prometheus.js';
import type { Report } from './types.js';
import type { TextPiece } from './write-atomic.js';

export { compareReports } from './compare.js';
export { writeAtomically, writeThrough, writeToDescriptor } from './write-atomic.js';
export { OutputProblem, resolveOutputTarget, type OutputTarget } from './output-target.js';

export interface FormatOptions {
  /** ANSI colours (human formats only); the CLI decides from NO_COLOR and whether stdout is a TTY. */
  readonly color: boolean;
  /** Columns the human report fits in (a terminal's width); default 100. */
  readonly width?: number;
  /** The human report lists every passing result, not one line per path. */
  readonly verbose?: boolean;
  /** Result lines already formatted during the run (./json-ahead.ts); the JSON format takes them. */
  readonly resultLines?: ResultLines;
}

export interface FormatOutput {
  readonly text: string;
  /** Set by formats that define the process exit code themselves (Nagios plugins). */
  readonly exitCode?: number;
}

export interface Formatter {
  /** File name extension for `--output`, with the dot. */
  readonly extension: string;
  readonly format: (report: Report, options: FormatOptions) => FormatOutput;
  /**
   * The same text in pieces, for formats whose text grows with the results: written piece by
   * piece, a large report is never held whole. Absent: the text is small, use `format`.
   */
  readonly chunks?: (report: Report, options: FormatOptions) => Iterable<TextPiece>;
}

const FORMATTER_TABLE = {
  json: { extension: '.json', format: (report) => ({ text: formatJson(report) }), chunks: (report, { resultLines }) => jsonChunks(report, resultLines) },
  human: {
    extension: '.txt',
    format: (report, { color, width, verbose }) => ({
      text: formatHuman(report, { color, ...(width === undefined ? {} : { width }), ...(verbose === undefined ? {} : { verbose }) }),
    }),
  },
  // Every column of every result, nothing cut. After `human`: a .txt file is the human report.
  wide: { extension: '.txt', format: (report, { color }) => ({ text: formatHumanWide(report, { color }) }) },
  prom: { extension: '.prom', format: (report) => ({ text: formatPrometheus(report) }) },
  nagios: { extension: '.txt', format: (report) => formatNagios(report) },
  junit: { extension: '.xml', format: (report) => ({ text: formatJunit(report) }) },
  html: { extension: '.html', format: (report) => ({ text: formatHtml(report) }) },
} satisfies Record<string, Formatter>;

export type FormatName = keyof typeof FORMATTER_TABLE;

/** Every output format by its CLI name. Adding a format is one line in the table above. */
export const FORMATTERS: Readonly<Record<FormatName, Formatter>> = FORMATTER_TABLE;

export const FORMAT_NAMES = Object.keys(FORMATTERS) as FormatName[];

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(FORMATTERS, name);
}
