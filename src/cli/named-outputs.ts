import { extname } from 'node:path';
import { NetcheckError } from '../core/errors.js';
import { OutputProblem, resolveOutputTarget, writeAtomically, writeThrough, writeToDescriptor, type OutputTarget } from '../report/index.js';

/**
 * The `-o [FORMAT=]FILE` outputs of the commands with a format table of their own (`merge`,
 * `rules`): each named or told by its extension, and checked writable before anything is read.
 */

export interface NamedOutput<Format extends string> {
  readonly format: Format;
  readonly path: string;
  readonly target: OutputTarget;
}

export interface OutputFormats<Format extends string> {
  /** How a `FORMAT=` prefix looks: the format names' alphabet. */
  readonly prefix: RegExp;
  readonly names: readonly Format[];
  readonly isFormat: (name: string) => name is Format;
  readonly ofExtension: (extension: string) => Format | undefined;
  /** The format the usage error suggests when an extension says nothing (`csv=FILE`). */
  readonly example: Format;
}

/** Each `-o` value: its format (E_USAGE when unknown) and a target that can be written (E_OUTPUT). */
export async function prepareNamedOutputs<Format extends string>(values: readonly string[], formats: OutputFormats<Format>): Promise<NamedOutput<Format>[]> {
  const prepared: NamedOutput<Format>[] = [];
  for (const value of values) {
    const match = formats.prefix.exec(value);
    let format: Format | undefined;
    let path = value;
    if (match !== null) {
      const [, name = '', rest = ''] = match;
      if (!formats.isFormat(name)) {
        throw new NetcheckError('E_USAGE', `--output ${value}: unknown format "${name}" (known: ${formats.names.join(', ')})`);
      }
      format = name;
      path = rest;
    } else {
      format = formats.ofExtension(extname(value).toLowerCase());
      if (format === undefined) {
        throw new NetcheckError('E_USAGE', `--output ${value}: cannot tell the format from the extension; write it as ${formats.example}=${value}`);
      }
    }
    try {
      prepared.push({ format, path, target: await resolveOutputTarget(path) });
    } catch (error) {
      if (!(error instanceof OutputProblem)) throw error;
      throw new NetcheckError('E_OUTPUT', `--output ${path}: ${error.message}`);
    }
  }
  return prepared;
}

/** Writes one prepared output: atomically for a regular file, through for devices and FIFOs. */
export async function writeNamedOutput(output: NamedOutput<string>, text: string): Promise<void> {
  try {
    const target = output.target;
    if (target.mode === 'descriptor') await writeToDescriptor(target.fd, text);
    else await (target.mode === 'replace' ? writeAtomically(target.path, text) : writeThrough(target.path, text));
  } catch (error) {
    throw new NetcheckError('E_OUTPUT', `--output ${output.path}: ${(error as Error).message}`);
  }
}
