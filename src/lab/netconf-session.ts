import type { Duplex } from 'node:stream';

/**
 * The server side of one NETCONF session (RFC 6241/6242) on an SSH channel: hello exchange,
 * end-of-message or chunked framing, and `<close-session/>`. Just enough for a probe to prove a
 * NETCONF agent and read its capabilities; every other operation gets `operation-not-supported`.
 */

export const NETCONF_BASE_10 = 'urn:ietf:params:netconf:base:1.0';
export const NETCONF_BASE_11 = 'urn:ietf:params:netconf:base:1.1';
const NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const EOM = ']]>]]>';

/** What a typical NE announces besides the base versions. */
export const DEFAULT_NETCONF_CAPABILITIES: readonly string[] = [
  'urn:ietf:params:netconf:capability:candidate:1.0',
  'urn:ietf:params:netconf:capability:startup:1.0',
  'urn:ietf:params:netconf:capability:notification:1.0',
  'urn:ietf:params:netconf:capability:yang-library:1.1?revision=2019-01-04&content-id=lab-1',
  'urn:ietf:params:xml:ns:yang:ietf-interfaces?module=ietf-interfaces&revision=2018-02-20',
];

export interface NetconfServerOptions {
  /**
   * Capabilities announced after the base versions; replaces the default list (spread
   * DEFAULT_NETCONF_CAPABILITIES to keep it and add vendor URIs).
   * @default DEFAULT_NETCONF_CAPABILITIES
   */
  readonly capabilities?: readonly string[];
  /** Announce base:1.1 (chunked framing when the client does too). @default true */
  readonly base11?: boolean;
  /** Fault: accept the subsystem but never send a hello. @default false */
  readonly silent?: boolean;
  /** Fault: send a hello that is not well-formed XML. @default false */
  readonly malformedHello?: boolean;
  /** Bytes accepted from the client before the session is dropped. @default 1 MiB */
  readonly maxBytes?: number;
}

/** A stream with the SSH channel's `exit`, when there is one. */
type Channel = Duplex & { exit?: (status: number) => void };

/** Runs one session on `channel` until `<close-session/>`, a framing error or the client leaving. */
export function serveNetconf(channel: Channel, sessionId: number, options: NetconfServerOptions = {}): void {
  const base11 = options.base11 ?? true;
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  let received = 0;
  let chunked = false;
  let helloDone = false;
  let buffer: Buffer = Buffer.alloc(0);
  const framer = new ChunkedFramer();

  const finish = (): void => {
    channel.exit?.(0);
    channel.end();
  };

  channel.on('error', () => undefined);
  if (!options.silent) channel.write(helloText(sessionId, base11, options));

  channel.on('data', (data: Buffer) => {
    if (options.silent) return;
    received += data.length;
    if (received > maxBytes) {
      channel.destroy();
      return;
    }
    if (!helloDone) {
      buffer = Buffer.concat([buffer, data]);
      const end = buffer.indexOf(EOM);
      if (end < 0) return;
      const hello = buffer.subarray(0, end).toString('utf8');
      data = buffer.subarray(end + EOM.length);
      buffer = Buffer.alloc(0);
      helloDone = true;
      const client11 = hello.includes(NETCONF_BASE_11);
      if (!client11 && !hello.includes(NETCONF_BASE_10)) {
        // RFC 6241 §8.1: no base version in common ends the session.
        finish();
        return;
      }
      chunked = client11 && base11;
      if (data.length === 0) return;
    }
    let messages: string[];
    if (chunked) {
      const result = framer.push(data);
      if (result === 'error') {
        // RFC 6242 §4.2: a framing error closes the channel.
        channel.destroy();
        return;
      }
      messages = result;
    } else {
      buffer = Buffer.concat([buffer, data]);
      messages = [];
      for (let end = buffer.indexOf(EOM); end >= 0; end = buffer.indexOf(EOM)) {
        messages.push(buffer.subarray(0, end).toString('utf8'));
        buffer = buffer.subarray(end + EOM.length);
      }
    }
    for (const message of messages) {
      const closing = /<close-session\s*\/?>/.test(message);
      channel.write(frame(replyTo(message, closing), chunked));
      if (closing) {
        finish();
        return;
      }
    }
  });
}

function helloText(sessionId: number, base11: boolean, options: NetconfServerOptions): string {
  if (options.malformedHello) {
    // Truncated mid-element and never closed: not well-formed XML, but correctly framed.
    return `<?xml version="1.0" encoding="UTF-8"?><hello xmlns="${NS}"><capabilities><capability>${NETCONF_BASE_10}</capab${EOM}`;
  }
  const capabilities = [NETCONF_BASE_10, ...(base11 ? [NETCONF_BASE_11] : []), ...(options.capabilities ?? DEFAULT_NETCONF_CAPABILITIES)];
  const list = capabilities.map((uri) => `<capability>${escapeXml(uri)}</capability>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><hello xmlns="${NS}"><capabilities>${list}</capabilities><session-id>${sessionId}</session-id></hello>${EOM}`;
}

function replyTo(rpc: string, closing: boolean): string {
  const id = /message-id\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(rpc);
  const messageId = id ? ` message-id="${escapeXml(id[1] ?? id[2] ?? '')}"` : '';
  const body = closing
    ? '<ok/>'
    : '<rpc-error><error-type>protocol</error-type><error-tag>operation-not-supported</error-tag>' +
      '<error-severity>error</error-severity></rpc-error>';
  return `<?xml version="1.0" encoding="UTF-8"?><rpc-reply${messageId} xmlns="${NS}">${body}</rpc-reply>`;
}

function frame(message: string, chunked: boolean): string | Buffer {
  if (!chunked) return message + EOM;
  const bytes = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`\n#${bytes.length}\n`), bytes, Buffer.from('\n##\n')]);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** RFC 6242 §4.2 chunked framing decoder: `\n#<len>\n<data>` ... `\n##\n`. */
class ChunkedFramer {
  #pending: Buffer = Buffer.alloc(0);
  #message: Buffer[] = [];

  push(data: Buffer): string[] | 'error' {
    this.#pending = Buffer.concat([this.#pending, data]);
    const messages: string[] = [];
    for (;;) {
      if (this.#pending.length < 4) return messages;
      if (this.#pending[0] !== 0x0a || this.#pending[1] !== 0x23) return 'error';
      const lineEnd = this.#pending.indexOf(0x0a, 2);
      if (lineEnd < 0) {
        // A size has at most 10 digits; a longer header can only be garbage.
        return this.#pending.length > 13 ? 'error' : messages;
      }
      const header = this.#pending.subarray(2, lineEnd).toString('latin1');
      if (header === '#') {
        messages.push(Buffer.concat(this.#message).toString('utf8'));
        this.#message = [];
        this.#pending = this.#pending.subarray(lineEnd + 1);
        continue;
      }
      if (!/^[1-9][0-9]{0,9}$/.test(header) || Number(header) > 4294967295) return 'error';
      const size = Number(header);
      if (this.#pending.length < lineEnd + 1 + size) return messages;
      this.#message.push(this.#pending.subarray(lineEnd + 1, lineEnd + 1 + size));
      this.#pending = this.#pending.subarray(lineEnd + 1 + size);
    }
  }
}
