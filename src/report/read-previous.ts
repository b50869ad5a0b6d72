import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { NetcheckError } from '../core/errors.js';
import { reportSchema } from './schema.js';
import type { Report } from './types.js';

/**
 * The largest previous report `--compare` reads. A full check of 5,000 elements writes about
 * 16 MB; this leaves room for ten times that fleet and stops /dev/zero-like input early.
 */
export const MAX_PREVIOUS_REPORT_BYTES = 256 * 1024 * 1024;

/**
 * A previous JSON report for `--compare`, checked before any probe: a regular file (a FIFO or a
 * device would hang or never end), at most MAX_PREVIOUS_REPORT_BYTES, valid JSON, and valid
 * against the report schema of this version (`schemas/report.schema.json`). Undefined when the
 * file does not exist: the first scheduled run has nothing to compare with.
 */
export async function readPreviousReport(path: string): Promise<Report | undefined> {
  const fail = (why: string): never => {
    throw new NetcheckError('E_PREVIOUS_REPORT', `--compare ${path}: ${why}`);
  };
  let text: string;
  try {
    text = await readBounded(path);
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
  const parsed = reportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.map(String).join('.')}: `;
    return fail(`not a psm-netcheck report of this version (${where}${issue?.message ?? 'invalid'})`);
  }
  return parsed.data as Report;
}

async function readBounded(path: string): Promise<string> {
  // O_NONBLOCK: opening a FIFO with no writer must not hang before the type check below.
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await file.stat();
    if (!info.isFile()) {
      throw new NetcheckError('E_PREVIOUS_REPORT', `--compare ${path}: not a regular file`);
    }
    if (info.size > MAX_PREVIOUS_REPORT_BYTES) {
      throw new NetcheckError('E_PREVIOUS_REPORT', `--compare ${path}: ${info.size} bytes, more than the ${MAX_PREVIOUS_REPORT_BYTES / 1024 / 1024} MB a report may have`);
    }
    const buffer = Buffer.alloc(info.size);
    const { bytesRead } = await file.read(buffer, 0, info.size, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await file.close();
  }
}
