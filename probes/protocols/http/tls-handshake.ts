import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { abortKind } from '../../../src/core/abort.js';
import { errorCode } from '../../../src/core/errno.js';

export type HandshakeResult =
  | { readonly ok: true; readonly socket: tls.TLSSocket }
  | { readonly ok: false; readonly failure: TlsFailure };

export interface TlsFailure {
  /**
   * - alert: the server sent a TLS alert (number and name known);
   * - not-tls: the answer was no TLS record at all (a plain HTTP server, SSH...);
   * - closed: the server hung up during the handshake;
   * - failed: the handshake failed on our side (no common version or cipher, bad message...);
   * - timeout / aborted: the deadline fired or the run was interrupted.
   */
  readonly kind: 'alert' | 'not-tls' | 'closed' | 'failed' | 'timeout' | 'aborted';
  readonly code?: string;
  readonly alert?: number;
  readonly alertName?: string;
}

export interface HandshakeOptions {
  /** SNI; only for DNS names (RFC 6066 forbids IP literals there). */
  readonly servername?: string;
  /** Trust anchors instead of Node's bundled Mozilla roots. */
  readonly ca?: readonly string[];
}

/**
 * TLS client handshake over `stream`, until the signal aborts. Verification is off so that a
 * certificate problem never hides the rest of the facts: the caller evaluates the certificate
 * itself (OpenSSL reports only the first error). The host name check is left out of Node's
 * verification too (checkServerIdentity is a no-op), so `authorizationError` speaks of the chain
 * alone and the host name is judged separately, by RFC 9525 rules.
 */
export function tlsHandshake(stream: Duplex, options: HandshakeOptions, signal: AbortSignal): Promise<HandshakeResult> {
  if (signal.aborted) return Promise.resolve({ ok: false, failure: { kind: abortKind(signal) } });
  return new Promise((resolve) => {
    const socket = tls.connect({
      socket: stream,
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      ...(options.servername === undefined ? {} : { servername: options.servername }),
      ...(options.ca === undefined ? {} : { ca: [...options.ca] }),
    });
    const finish = (result: HandshakeResult): void => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('secureConnect', onSecure);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (!result.ok) {
        socket.on('error', () => undefined);
        socket.destroy();
      }
      resolve(result);
    };
    const onSecure = (): void => finish({ ok: true, socket });
    const onError = (error: Error): void => finish({ ok: false, failure: classifyTlsError(error) });
    const onClose = (): void => finish({ ok: false, failure: { kind: 'closed' } });
    const onAbort = (): void => finish({ ok: false, failure: { kind: abortKind(signal) } });
    socket.once('secureConnect', onSecure);
    socket.once('error', onError);
    socket.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** TLS alert descriptions (RFC 8446 §6, RFC 5246 §7.2) by the names OpenSSL puts in error codes. */
const ALERTS: Readonly<Record<string, number>> = {
  CLOSE_NOTIFY: 0,
  UNEXPECTED_MESSAGE: 10,
  BAD_RECORD_MAC: 20,
  RECORD_OVERFLOW: 22,
  HANDSHAKE_FAILURE: 40,
  BAD_CERTIFICATE: 42,
  UNSUPPORTED_CERTIFICATE: 43,
  CERTIFICATE_REVOKED: 44,
  CERTIFICATE_EXPIRED: 45,
  CERTIFICATE_UNKNOWN: 46,
  ILLEGAL_PARAMETER: 47,
  UNKNOWN_CA: 48,
  ACCESS_DENIED: 49,
  DECODE_ERROR: 50,
  DECRYPT_ERROR: 51,
  PROTOCOL_VERSION: 70,
  INSUFFICIENT_SECURITY: 71,
  INTERNAL_ERROR: 80,
  INAPPROPRIATE_FALLBACK: 86,
  USER_CANCELLED: 90,
  NO_RENEGOTIATION: 100,
  MISSING_EXTENSION: 109,
  UNSUPPORTED_EXTENSION: 110,
  UNRECOGNIZED_NAME: 112,
  BAD_CERTIFICATE_STATUS_RESPONSE: 113,
  UNKNOWN_PSK_IDENTITY: 115,
  CERTIFICATE_REQUIRED: 116,
  NO_APPLICATION_PROTOCOL: 120,
};

const ALERT_NAMES = new Map(Object.entries(ALERTS).map(([name, value]) => [value, name.toLowerCase()]));

/** OpenSSL's words for "the first bytes were no TLS record". */
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_RECORD_LAYER_FAILURE',
]);

/**
 * Sort a TLS error into a failure kind. A received alert is named in the error code
 * (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE, ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED...) and its
 * number closes the message ("SSL alert number 40").
 */
export function classifyTlsError(error: unknown): TlsFailure {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : '';
  const number = /SSL alert number (\d+)/.exec(message)?.[1];
  const named = code === undefined ? undefined : /_ALERT_([A-Z_]+)$/.exec(code)?.[1];
  const alert = number !== undefined ? Number(number) : named !== undefined ? ALERTS[named] : undefined;
  if (alert !== undefined || named !== undefined) {
    const alertName = alert !== undefined ? ALERT_NAMES.get(alert) : named?.toLowerCase();
    return {
      kind: 'alert',
      ...(code === undefined ? {} : { code }),
      ...(alert === undefined ? {} : { alert }),
      ...(alertName === undefined ? {} : { alertName }),
    };
  }
  if (code !== undefined && NOT_TLS.has(code)) return { kind: 'not-tls', code };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { kind: 'closed', code };
  return { kind: 'failed', ...(code === undefined ? {} : { code }) };
}
