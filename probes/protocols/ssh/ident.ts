/**
 * The SSH identification exchange (RFC 4253 §4.2): `SSH-protoversion-softwareversion[ SP comments]`
 * CR LF, at most 255 bytes with CR LF. The server may send other lines first (TCP-wrapper text,
 * legal notices); they must not start with `SSH-`. CR may be missing (§4.2 allows LF alone for
 * old servers). Pure functions: no socket here.
 */

export interface SshIdentification {
  /** As announced: '2.0', '1.99' (= 2.0 that also speaks SSH-1), '1.5'... */
  readonly protoVersion: string;
  readonly software: string;
  readonly comments?: string;
  /** Lines the server sent before its identification line. */
  readonly preamble: readonly string[];
  /** The identification line without CR LF. */
  readonly line: string;
}

export type IdentScan =
  /** `identStart`: offset of the identification line in the buffer (what follows it is the KEX). */
  | { readonly kind: 'found'; readonly ident: SshIdentification; readonly identStart: number }
  | { readonly kind: 'incomplete'; readonly preamble: readonly string[] }
  | { readonly kind: 'not-ssh'; readonly detail: string; readonly preamble: readonly string[] }
  | { readonly kind: 'bad-identification'; readonly detail: string; readonly line: string };

/** RFC 4253 §4.2, CR LF included. */
export const MAX_IDENT_BYTES = 255;
/** OpenSSH's client limits for lines before the identification (ssh.h). */
export const MAX_PREAMBLE_LINE_BYTES = 8192;
export const MAX_PREAMBLE_LINES = 1024;

const SSH_PREFIX = Buffer.from('SSH-');
// Version fields have no spaces; the RFC also forbids '-' in the software version, but real
// devices send e.g. `SSH-2.0-Cisco-1.25`, so the software field takes everything up to a space.
const IDENT_PATTERN = /^SSH-([^ -]+)-([^ ]+)(?: (.*))?$/s;
const VERSION_PATTERN = /^[0-9]+\.[0-9]+$/;

/** Reads what the server has sent so far. Never throws. */
export function scanIdentification(buffer: Buffer): IdentScan {
  const preamble: string[] = [];
  let start = 0;
  for (;;) {
    const newline = buffer.indexOf(0x0a, start);
    const rest = buffer.subarray(start, newline < 0 ? buffer.length : newline);
    if (newline < 0 && isPrefixOfSsh(rest)) return { kind: 'incomplete', preamble };
    if (rest.subarray(0, SSH_PREFIX.length).equals(SSH_PREFIX)) {
      if (newline < 0) {
        return rest.length + 2 > MAX_IDENT_BYTES
          ? { kind: 'bad-identification', detail: `identification line longer than ${MAX_IDENT_BYTES} bytes`, line: printable(rest) }
          : { kind: 'incomplete', preamble };
      }
      return parseIdentLine(stripCr(rest), preamble, start);
    }
    if (containsBinary(rest)) return { kind: 'not-ssh', detail: 'binary data instead of an SSH identification', preamble };
    if (rest.length >= MAX_PREAMBLE_LINE_BYTES) {
      return { kind: 'not-ssh', detail: `a line of ${rest.length} bytes without an SSH identification`, preamble };
    }
    if (newline < 0) return { kind: 'incomplete', preamble };
    preamble.push(stripCr(rest).toString('utf8'));
    if (preamble.length > MAX_PREAMBLE_LINES) {
      return { kind: 'not-ssh', detail: `more than ${MAX_PREAMBLE_LINES} lines without an SSH identification`, preamble };
    }
    start = newline + 1;
  }
}

function parseIdentLine(line: Buffer, preamble: readonly string[], identStart: number): IdentScan {
  const text = line.toString('latin1');
  if (line.length + 2 > MAX_IDENT_BYTES) {
    return { kind: 'bad-identification', detail: `identification line longer than ${MAX_IDENT_BYTES} bytes`, line: printable(line) };
  }
  if (line.includes(0x00) || line.includes(0x0d)) {
    return { kind: 'bad-identification', detail: 'control characters in the identification line', line: printable(line) };
  }
  const match = IDENT_PATTERN.exec(text);
  const protoVersion = match?.[1];
  const software = match?.[2];
  if (protoVersion === undefined || software === undefined || !VERSION_PATTERN.test(protoVersion)) {
    return { kind: 'bad-identification', detail: 'not SSH-protoversion-softwareversion', line: printable(line) };
  }
  const comments = match?.[3];
  const ident: SshIdentification = {
    protoVersion,
    software,
    ...(comments === undefined || comments === '' ? {} : { comments }),
    preamble,
    line: text,
  };
  return { kind: 'found', ident, identStart };
}

/** SSH 2 proper, or 1.99 which RFC 4253 §5.1 defines as 2.0 with SSH-1 compatibility. */
export function speaksSsh2(protoVersion: string): boolean {
  return protoVersion === '2.0' || protoVersion === '1.99';
}

/** Up to `max` characters of peer bytes, safe to show: non-printable bytes become `\xNN`. */
export function printable(bytes: Buffer, max = 80): string {
  let out = '';
  for (const byte of bytes.subarray(0, max)) {
    out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${out}...` : out;
}

/** The bytes after the last line end: a line still being sent. */
export function unfinishedLine(buffer: Buffer): Buffer {
  return buffer.subarray(buffer.lastIndexOf(0x0a) + 1);
}

/** True for the start of an identification line that stopped before its line end: `SS`, `SSH-2.0-Op`. */
export function isPrefixOfSshLine(line: Buffer): boolean {
  return line.length > 0 && (isPrefixOfSsh(line) || line.subarray(0, SSH_PREFIX.length).equals(SSH_PREFIX));
}

/** An unfinished line that may still become `SSH-...` (e.g. only `SS` arrived so far). */
function isPrefixOfSsh(line: Buffer): boolean {
  return line.length < SSH_PREFIX.length && line.equals(SSH_PREFIX.subarray(0, line.length));
}

function stripCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
}

/** Control bytes other than TAB and a final CR: not text a server would print before its banner. */
function containsBinary(line: Buffer): boolean {
  const text = stripCr(line);
  for (const byte of text) if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f) return true;
  return false;
}
