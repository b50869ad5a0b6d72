import type { Socket } from 'node:net';
import { abortKind } from '../../src/core/abort.js';
import { errorCode } from '../../src/core/errno.js';

/**
 * How a read ended:
 * - matched: the matcher found a complete message;
 * - eof: the peer closed first;
 * - reset: the connection broke (ECONNRESET etc.);
 * - limit: the byte limit was reached without a complete message;
 * - timeout / aborted: the deadline fired, or the run was interrupted.
 */
export type ReadEnd = 'matched' | 'eof' | 'reset' | 'limit' | 'timeout' | 'aborted';

export interface ReadResult {
  readonly end: ReadEnd;
  /** The matched message (end = matched) or everything buffered so far (other ends). */
  readonly data: Buffer;
  readonly errorCode?: string;
}

/**
 * Returns the length of the first complete message at the start of `buffer`, or -1 when more
 * bytes are needed.
 */
export type Matcher = (buffer: Buffer) => number;

/**
 * Reads from a socket in messages, with one byte budget over the whole exchange: a peer that
 * floods bytes without ever completing a message ends the read at `maxBytes`, never later.
 */
export class BoundedReader {
  readonly #maxBytes: number;
  #buffer: Buffer = Buffer.alloc(0);
  #total = 0;
  #ended: ReadEnd | undefined;
  #errorCode: string | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: Socket, maxBytes: number) {
    this.#maxBytes = maxBytes;
    socket.on('data', (chunk: Buffer) => {
      const room = this.#maxBytes - this.#total;
      const kept = chunk.length > room ? chunk.subarray(0, Math.max(room, 0)) : chunk;
      this.#total += kept.length;
      this.#buffer = this.#buffer.length === 0 ? kept : Buffer.concat([this.#buffer, kept]);
      if (chunk.length > room) {
        this.#ended ??= 'limit';
        socket.pause();
      }
      this.#wake?.();
    });
    socket.on('end', () => {
      this.#ended ??= 'eof';
      this.#wake?.();
    });
    socket.on('error', (error) => {
      this.#errorCode = errorCode(error);
      this.#ended ??= 'reset';
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#ended ??= 'eof';
      this.#wake?.();
    });
  }

  /** Bytes received so far (counted against the limit). */
  get bytesRead(): number {
    return this.#total;
  }

  /** Bytes received but not yet handed over by a read (what followed the last message). */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Wait for the next complete message, consuming it from the buffer. */
  async read(match: Matcher, signal: AbortSignal): Promise<ReadResult> {
    for (;;) {
      const length = this.#buffer.length > 0 ? match(this.#buffer) : -1;
      if (length >= 0) {
        const data = this.#buffer.subarray(0, length);
        this.#buffer = this.#buffer.subarray(length);
        return { end: 'matched', data };
      }
      if (this.#ended !== undefined) return this.#result(this.#ended);
      if (signal.aborted) return this.#result(abortKind(signal));
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        this.#wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
      this.#wake = undefined;
    }
  }

  #result(end: ReadEnd): ReadResult {
    const data = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return this.#errorCode === undefined ? { end, data } : { end, data, errorCode: this.#errorCode };
  }
}

/** A matcher for one line ending in LF (CR optional), at most `maxLine` bytes. */
export function lineMatcher(maxLine = 8192): Matcher {
  return (buffer) => {
    const newline = buffer.indexOf(0x0a);
    if (newline >= 0 && newline < maxLine) return newline + 1;
    // A line longer than allowed: hand it over whole so the caller can call it malformed.
    return buffer.length >= maxLine ? buffer.length : -1;
  };
}

/** A matcher that hands over whatever has arrived, for readers that parse a stream themselves. */
export const anyBytes: Matcher = (buffer) => buffer.length;

/** A matcher for a fixed delimiter (e.g. NETCONF's "]]>]]>"). */
export function delimiterMatcher(delimiter: string): Matcher {
  const needle = Buffer.from(delimiter);
  return (buffer) => {
    const at = buffer.indexOf(needle);
    return at < 0 ? -1 : at + needle.length;
  };
}
