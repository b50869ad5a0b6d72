import { extname } from 'node:path';
import { NetcheckError } from '../core/errors.js';
import {
  FORMAT_NAMES,
  FORMATTERS,
  isFormatName,
  OutputProblem,
  resolveOutputTarget,
  writeAtomically,
  writeThrough,
  writeToDescriptor,
  type FormatName,
  type FormatOutput,
  type OutputTarget,
} from '../report/index.js';
import { JsonLinesAhead } from '../report/json-ahead.js';
import type { Report } from '../report/types.js';

export interface OutputSpec {
  readonly format: FormatName;
  /** As the user wrote it, for messages. */
  readonly path: string;
}

/** An output whose target was checked: it can be written (./report/output-target.ts). */
export interface PreparedOutput extends OutputSpec {
  readonly target: OutputTarget;
}

/** The format an extension implies; `.txt` means the human table (write nagios=FILE for Nagios). */
function formatOfExtension(extension: string): FormatName | undefined {
  return FORMAT_NAMES.find((name) => FORMATTERS[name].extension === extension) ?? (extension === '.htm' ? 'html' : undefined);
}

/** `--output report.json`, `--output prom=/var/lib/node_exporter/psm.prom`: validated before any probe. */
export function parseOutputs(values: readonly string[]): OutputSpec[] {
  return values.map((value) => {
    const match = /^([a-z]+)=(.+)$/.exec(value);
    if (match !== null) {
      const [, format = '', path = ''] = match;
      if (!isFormatName(format)) {
        throw new NetcheckError('E_USAGE', `--output ${value}: unknown format "${format}" (known: ${FORMAT_NAMES.join(', ')})`);
      }
      return { format, path };
    }
    const format = formatOfExtension(extname(value).toLowerCase());
    if (format === undefined) {
      throw new NetcheckError('E_USAGE', `--output ${value}: cannot tell the format from the extension; write it as json=${value}`);
    }
    return { format, path: value };
  });
}

/**
 * Checks that every output can be written, before the first probe: a missing or read-only
 * directory, a directory given as the file, a socket... are E_OUTPUT errors (exit 2) now rather
 * than after the whole network was probed.
 */
export async function prepareOutputs(outputs: readonly OutputSpec[]): Promise<PreparedOutput[]> {
  const prepared: PreparedOutput[] = [];
  for (const output of outputs) {
    try {
      prepared.push({ ...output, target: await resolveOutputTarget(output.path) });
    } catch (error) {
      if (!(error instanceof OutputProblem)) throw error;
      throw new NetcheckError('E_OUTPUT', `--output ${output.path}: ${error.message}`);
    }
  }
  return prepared;
}

/** The JSON report's lines to format while the run waits on its last probes, if a JSON report is asked for. */
export function linesAheadFor(outputs: readonly OutputSpec[], stdoutFormat: FormatName | 'none'): JsonLinesAhead | undefined {
  return stdoutFormat === 'json' || outputs.some((output) => output.format === 'json') ? new JsonLinesAhead() : undefined;
}

/** How the human report is laid out: `--verbose`. Its width comes from the terminal it goes to. */
export interface LayoutFlags {
  readonly verbose?: boolean;
}

/**
 * Report files first (each atomically where it can be replaced), then stdout. Returns the exit code that the stdout
 * format imposes (a Nagios plugin's 0-3), if any.
 */
export async function writeOutputs(
  report: Report,
  outputs: readonly PreparedOutput[],
  stdoutFormat: FormatName | 'none',
  ahead?: JsonLinesAhead,
  layout: LayoutFlags = {},
): Promise<number | undefined> {
  const resultLines = ahead === undefined ? {} : { resultLines: ahead };
  const verbose = layout.verbose === true ? { verbose: true } : {};
  for (const output of outputs) {
    try {
      const formatter = FORMATTERS[output.format];
      // A file has no terminal: the human report takes its default width.
      const options = { color: false, ...resultLines, ...verbose };
      const text = formatter.chunks?.(report, options) ?? formatter.format(report, options).text;
      const target = output.target;
      if (target.mode === 'descriptor') await writeToDescriptor(target.fd, text);
      else await (target.mode === 'replace' ? writeAtomically(target.path, text) : writeThrough(target.path, text));
    } catch (error) {
      throw new NetcheckError('E_OUTPUT', `--output ${output.path}: ${(error as Error).message}`);
    }
  }
  if (stdoutFormat === 'none') return undefined;
  const forPeople = stdoutFormat === 'human' || stdoutFormat === 'wide';
  const color = forPeople && process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '';
  // A terminal's own width; a pipe or a file gets the default (100 columns).
  const width = process.stdout.isTTY === true && process.stdout.columns > 0 ? { width: process.stdout.columns } : {};
  const formatter = FORMATTERS[stdoutFormat];
  if (formatter.chunks !== undefined) {
    for (const piece of formatter.chunks(report, { color, ...resultLines })) process.stdout.write(typeof piece === 'string' ? piece : Buffer.concat(piece));
    return undefined;
  }
  const rendered: FormatOutput = formatter.format(report, { color, ...width, ...verbose });
  process.stdout.write(rendered.text);
  return rendered.exitCode;
}
