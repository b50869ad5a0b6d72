import type { Matcher } from '../../kit/bounded-reader.js';

/**
 * NETCONF over SSH framing (RFC 6242 §4): the hello always ends with `]]>]]>`; afterwards, when
 * both sides announced base:1.1, messages travel in chunks `\n#<len>\n<data>` ending with `\n##\n`,
 * otherwise with the end-of-message marker again.
 */

export const END_OF_MESSAGE = ']]>]]>';
/** RFC 6242 §4.2: chunk sizes 1..4294967295, no leading zeros. */
const MAX_CHUNK = 4294967295;

export function frameEom(message: string): string {
  return `${message}${END_OF_MESSAGE}`;
}

export function frameChunked(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`\n#${body.length}\n`), body, Buffer.from('\n##\n')]);
}

type ChunkScan = { readonly kind: 'complete'; readonly length: number; readonly body: Buffer } | { readonly kind: 'incomplete' } | { readonly kind: 'error' };

/** Reads one chunked message from the start of `buffer`. */
export function scanChunked(buffer: Buffer): ChunkScan {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    if (buffer.length - at < 3) return { kind: 'incomplete' };
    if (buffer[at] !== 0x0a || buffer[at + 1] !== 0x23) return { kind: 'error' };
    const lineEnd = buffer.indexOf(0x0a, at + 2);
    if (lineEnd < 0) {
      // "#" and at most 10 digits: a longer header can only be garbage.
      return buffer.length - at > 13 ? { kind: 'error' } : { kind: 'incomplete' };
    }
    const header = buffer.subarray(at + 2, lineEnd).toString('latin1');
    if (header === '#') return { kind: 'complete', length: lineEnd + 1, body: Buffer.concat(parts) };
    if (!/^[1-9][0-9]{0,9}$/.test(header) || Number(header) > MAX_CHUNK) return { kind: 'error' };
    const size = Number(header);
    if (buffer.length < lineEnd + 1 + size) return { kind: 'incomplete' };
    parts.push(buffer.subarray(lineEnd + 1, lineEnd + 1 + size));
    at = lineEnd + 1 + size;
  }
}

/** A BoundedReader matcher for one chunked message; a framing error hands over everything. */
export const chunkedMatcher: Matcher = (buffer) => {
  const scan = scanChunked(buffer);
  if (scan.kind === 'complete') return scan.length;
  return scan.kind === 'error' ? buffer.length : -1;
};

/** How messages after the hello are framed: base:1.0's end-of-message marker, or base:1.1's chunks. */
export type Framing = 'eom' | 'chunked';

/**
 * Splits the complete messages off the front of `buffer` (what a server reads from its channel),
 * leaving the incomplete rest; 'error' for chunked framing that breaks RFC 6242 §4.2, after which
 * the session must be closed.
 */
export function takeMessages(buffer: Buffer, framing: Framing): { readonly messages: Buffer[]; readonly rest: Buffer } | 'error' {
  const messages: Buffer[] = [];
  let rest = buffer;
  for (;;) {
    if (framing === 'eom') {
      const end = rest.indexOf(END_OF_MESSAGE);
      if (end < 0) return { messages, rest };
      messages.push(rest.subarray(0, end));
      rest = rest.subarray(end + END_OF_MESSAGE.length);
      continue;
    }
    const scan = scanChunked(rest);
    if (scan.kind === 'error') return 'error';
    if (scan.kind === 'incomplete') return { messages, rest };
    messages.push(scan.body);
    rest = rest.subarray(scan.length);
  }
}
