import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { NetcheckError, type ErrorCode } from '../core/errors.js';
import { readableReportSchema } from './schema.js';
import { READABLE_REPORT_VERSIONS, REPORT_SCHEMA_VERSION, type Report } from './types.js';

/**
 * The largest JSON report read back (`check --compare`, `merge`). It leaves room for ten times the
 * report of a full check of 5,000 elements (its size: docs/benchmarks.md, "Figures behind the
 * code") and stops /dev/zero-like input early.
 */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

export interface ReadReportOptions {
  /** The error code of every problem with this file (E_PREVIOUS_REPORT, E_INPUT_REPORT). */
  readonly code: ErrorCode;
  /** How messages name the file: `--compare previous.json`, `server.json`. */
  readonly label: string;
}

/**
 * A JSON report written by psm-netcheck, checked before it is used: a regular file (a FIFO or a
 * device would hang or never end), at most MAX_REPORT_BYTES, valid JSON, and valid against the
 * report schema of this version (`schemas/report.schema.json`) or of one it reads
 * (READABLE_REPORT_VERSIONS: a version 1 report, its fields a subset of these, is read as one of
 * this version). A file that does not exist is undefined, for the caller to decide; every other
 * problem is a NetcheckError with `code`.
 */
export async function readReportFile(path: string, options: ReadReportOptions): Promise<Report | undefined> {
  const fail = (why: string): never => {
    throw new NetcheckError(options.code, `${options.label}: ${why}`);
  };
  let text: string;
  try {
    text = await readBounded(path, fail);
  } catch (error) {
    if (error instanceof NetcheckError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return fail(`cannot read it (${code ?? (error as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  const parsed = readableReportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.map(String).join('.')}: `;
    return fail(`not a psm-netcheck report of this version or one it reads (schema ${READABLE_REPORT_VERSIONS.join(', ')}) (${where}${issue?.message ?? 'invalid'})`);
  }
  return { ...(parsed.data as Omit<Report, 'schemaVersion'>), schemaVersion: REPORT_SCHEMA_VERSION };
}

async function readBounded(path: string, fail: (why: string) => never): Promise<string> {
  // O_NONBLOCK: opening a FIFO with no writer must not hang before the type check below.
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await file.stat();
    if (!info.isFile()) fail('not a regular file');
    if (info.size > MAX_REPORT_BYTES) {
      fail(`${info.size} bytes, more than the ${MAX_REPORT_BYTES / 1024 / 1024} MB a report may have`);
    }
    const buffer = Buffer.alloc(info.size);
    const { bytesRead } = await file.read(buffer, 0, info.size, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await file.close();
  }
}
