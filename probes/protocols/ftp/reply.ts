import { lineMatcher, type BoundedReader, type ReadEnd } from '../../kit/bounded-reader.js';

/** One FTP reply (RFC 959 §4.2): a three-digit code and its text lines. */
export type FtpReply =
  | { readonly kind: 'reply'; readonly code: number; readonly lines: readonly string[] }
  /** A line that is no FTP reply at all: another protocol, or garbage. */
  | { readonly kind: 'malformed'; readonly line: string }
  /** The read ended first; `lines` holds what arrived of a multi-line reply. */
  | { readonly kind: 'end'; readonly end: Exclude<ReadEnd, 'matched'>; readonly lines: readonly string[]; readonly errorCode?: string };

const MAX_LINE = 2048;
const FIRST_LINE = /^(\d{3})([ -])(.*)$/;

const text = (line: Buffer): string => line.toString('latin1').replace(/\r?\n$/, '');

/**
 * Read one reply, multi-line aware: `220-` opens a block that only a line starting with the same
 * code and a space (`220 `) closes; lines between may look like anything, even other codes.
 */
export async function readFtpReply(reader: BoundedReader, signal: AbortSignal): Promise<FtpReply> {
  const matcher = lineMatcher(MAX_LINE);
  const first = await reader.read(matcher, signal);
  if (first.end !== 'matched') return endOf(first.end, first.errorCode, first.data.length > 0 ? [text(first.data)] : []);
  const line = text(first.data);
  const parsed = FIRST_LINE.exec(line);
  if (!parsed) return { kind: 'malformed', line };
  const code = Number(parsed[1]);
  const lines = [line];
  if (parsed[2] === ' ') return { kind: 'reply', code, lines };
  const closing = `${parsed[1]} `;
  for (;;) {
    const next = await reader.read(matcher, signal);
    if (next.end !== 'matched') return endOf(next.end, next.errorCode, lines);
    const continued = text(next.data);
    lines.push(continued);
    if (continued.startsWith(closing)) return { kind: 'reply', code, lines };
  }
}

function endOf(end: Exclude<ReadEnd, 'matched'>, errorCode: string | undefined, lines: string[]): FtpReply {
  return errorCode === undefined ? { kind: 'end', end, lines } : { kind: 'end', end, lines, errorCode };
}

/**
 * A reply as a server writes it (RFC 959 §4.2): `220 text`, or for several lines `220-` before
 * each but the last and `220 ` before the last, CR LF after each. Every line carries the code,
 * as vsftpd writes it, so no middle line can be taken for the end. readFtpReply reads it back.
 */
export function formatFtpReply(code: number, lines: readonly string[]): string {
  return lines.map((line, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${line}\r\n`).join('');
}
