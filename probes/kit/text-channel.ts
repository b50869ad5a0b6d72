import { anyBytes, type BoundedReader, type ReadEnd } from './bounded-reader.js';

/** What one read of a text channel brought: text (maybe empty), and how the stream ended if it did. */
export type TextRead =
  | { readonly end?: undefined; readonly text: string }
  | { readonly end: Exclude<ReadEnd, 'matched'>; readonly text: string; readonly errorCode?: string };

/**
 * A conversation seen as text, for the banner exchange: plain bytes (FTP, raw TL1) or what is
 * left once a telnet layer took its commands out. Every byte counts against one budget.
 */
export interface TextChannel {
  /** The text that arrived next (empty when only protocol bytes came), or how the stream ended. */
  next(signal: AbortSignal): Promise<TextRead>;
  send(text: string): void;
  /** Bytes received from the peer so far, protocol bytes included. */
  readonly bytesRead: number;
}

/** Plain text over a bounded reader: latin1, so that every byte is one character, in arrival order. */
export function plainTextChannel(conn: { readonly reader: BoundedReader; write(data: Buffer): void }): TextChannel {
  return {
    async next(signal) {
      const read = await conn.reader.read(anyBytes, signal);
      const text = read.data.toString('latin1');
      if (read.end === 'matched') return { text };
      return read.errorCode === undefined ? { end: read.end, text } : { end: read.end, text, errorCode: read.errorCode };
    },
    send(text) {
      conn.write(Buffer.from(text, 'latin1'));
    },
    get bytesRead() {
      return conn.reader.bytesRead;
    },
  };
}
