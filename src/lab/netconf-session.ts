import type { Duplex } from 'node:stream';
import { END_OF_MESSAGE, frameChunked, frameEom, type Framing, takeMessages } from '../../probes/protocols/netconf/framing.js';
import { BASE_10, BASE_11, NETCONF_NS, serverHello } from '../../probes/protocols/netconf/hello.js';
import { isCloseSession, messageIdOf, OK, rpcError, rpcReply } from '../../probes/protocols/netconf/rpc.js';

/**
 * The server side of one NETCONF session (RFC 6241/6242) on an SSH channel: hello exchange,
 * end-of-message or chunked framing, and `<close-session/>`. Just enough for a probe to prove a
 * NETCONF agent and read its capabilities; every other operation gets `operation-not-supported`.
 * The wire format is the protocol folder's (probes/protocols/netconf), shared with the probe.
 */

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
  // Until the hello has been read, every message ends with the marker (RFC 6242 §4.1).
  let framing: Framing | undefined;
  let buffer: Buffer = Buffer.alloc(0);

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
    buffer = Buffer.concat([buffer, data]);
    if (framing === undefined) {
      const end = buffer.indexOf(END_OF_MESSAGE);
      if (end < 0) return;
      const hello = buffer.subarray(0, end).toString('utf8');
      buffer = buffer.subarray(end + END_OF_MESSAGE.length);
      const client11 = hello.includes(BASE_11);
      if (!client11 && !hello.includes(BASE_10)) {
        // RFC 6241 §8.1: no base version in common ends the session.
        finish();
        return;
      }
      framing = client11 && base11 ? 'chunked' : 'eom';
    }
    const taken = takeMessages(buffer, framing);
    if (taken === 'error') {
      // RFC 6242 §4.2: a framing error closes the channel.
      channel.destroy();
      return;
    }
    buffer = taken.rest;
    for (const message of taken.messages.map((bytes) => bytes.toString('utf8'))) {
      const closing = isCloseSession(message);
      const reply = rpcReply(messageIdOf(message), closing ? OK : rpcError('protocol', 'operation-not-supported'));
      channel.write(framing === 'chunked' ? frameChunked(reply) : frameEom(reply));
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
    return frameEom(`<?xml version="1.0" encoding="UTF-8"?><hello xmlns="${NETCONF_NS}"><capabilities><capability>${BASE_10}</capab`);
  }
  return serverHello(sessionId, [BASE_10, ...(base11 ? [BASE_11] : []), ...(options.capabilities ?? DEFAULT_NETCONF_CAPABILITIES)]);
}
