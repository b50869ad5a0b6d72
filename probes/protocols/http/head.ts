import net from 'node:net';
import type { Matcher } from '../../kit/bounded-reader.js';

/**
 * Just enough HTTP/1.1 (RFC 9112) for a probe: one request without a body, then the status line
 * and header fields of the response; the body is never read.
 */

export interface RequestLine {
  readonly method: 'GET' | 'HEAD';
  readonly path: string;
  /** The authority: a DNS name or an IP literal, and the port. */
  readonly host: string;
  readonly port: number;
  readonly defaultPort: number;
}

export function requestText(request: RequestLine): string {
  const host = net.isIPv6(request.host) ? `[${request.host}]` : request.host;
  const authority = request.port === request.defaultPort ? host : `${host}:${request.port}`;
  return (
    `${request.method} ${request.path} HTTP/1.1\r\n` +
    `Host: ${authority}\r\n` +
    'User-Agent: psm-netcheck\r\n' +
    'Accept: */*\r\n' +
    'Connection: close\r\n' +
    '\r\n'
  );
}

const PREFIX = 'HTTP/';

/**
 * Matches a whole header block (status line to the empty line). Bytes that cannot start an HTTP
 * response are handed over as soon as there are enough of them to judge (the length of "HTTP/",
 * or a line end), so another protocol is reported instead of waited on; fewer bytes followed by a
 * close are "closed after N bytes", not another protocol.
 */
export const headMatcher: Matcher = (buffer) => {
  const start = buffer.subarray(0, PREFIX.length).toString('latin1');
  if (!PREFIX.startsWith(start)) return buffer.length >= PREFIX.length || buffer.includes(0x0a) ? buffer.length : -1;
  const crlf = buffer.indexOf('\r\n\r\n');
  if (crlf >= 0) return crlf + 4;
  const lf = buffer.indexOf('\n\n');
  return lf >= 0 ? lf + 2 : -1;
};

export interface ResponseHead {
  readonly version: string;
  readonly status: number;
  readonly statusText: string;
  /** Field names in lower case; a repeated field keeps its first value. */
  readonly headers: ReadonlyMap<string, string>;
}

const STATUS_LINE = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/;

/** Parse a header block, or what arrived of one; undefined when not even the status line is there. */
export function parseHead(block: Buffer): ResponseHead | undefined {
  const lines = block.toString('latin1').split(/\r?\n/);
  const statusLine = STATUS_LINE.exec(lines[0] ?? '');
  // A status line counts only once its line end arrived: "HTTP/1.1 2" is no status yet.
  if (!statusLine || lines.length < 2) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { version: statusLine[1] ?? '', status: Number(statusLine[2]), statusText: statusLine[3] ?? '', headers };
}

/** True when the bytes are a TLS record (handshake 0x16 or alert 0x15, version 3.x). */
export function looksLikeTls(data: Buffer): boolean {
  return data.length >= 2 && (data[0] === 0x15 || data[0] === 0x16) && data[1] === 0x03;
}
