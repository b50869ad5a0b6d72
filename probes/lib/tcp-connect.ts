import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { TransportState } from '../../src/model.js';
import type { ProbeFacts } from '../types.js';
import { abortKind, whenAborted } from './abort.js';
import type { PhaseClock } from './clock.js';
import { classifyErrno, errorCode, errorText } from './errno.js';

export type ConnectResult =
  | { readonly ok: true; readonly socket: net.Socket; readonly ip: string }
  | { readonly ok: false; readonly state: TransportState; readonly reason: string; readonly message?: string };

/**
 * Resolve `address` (unless it is an IP literal) and open a TCP connection, until the signal
 * aborts. Phases "resolve" (names only) and "connect" are marked on the clock.
 * Never rejects: every failure is classified into a transport state and reason.
 */
export async function connectTcp(
  address: string,
  port: number,
  signal: AbortSignal,
  clock: PhaseClock,
): Promise<ConnectResult> {
  const resolved = await resolveAddress(address, signal);
  if (!resolved.ok) return resolved;
  if (net.isIP(address) === 0) clock.mark('resolve');
  const ip = resolved.ip;

  if (signal.aborted) return abortedResult(signal);
  return new Promise<ConnectResult>((resolve) => {
    const socket = new net.Socket();
    // Classify by this flag, never by socket.connecting: an EMFILE socket is not "connecting"
    // either, and must not be mistaken for an open port.
    let connected = false;
    const finish = (result: ConnectResult): void => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener('connect', onConnect);
      resolve(result);
    };
    const onConnect = (): void => {
      connected = true;
      clock.mark('connect');
      finish({ ok: true, socket, ip });
    };
    const onError = (error: Error): void => {
      if (connected) return;
      socket.destroy();
      const classified = classifyErrno(errorCode(error));
      finish({ ok: false, ...classified, message: errorText(error) });
    };
    const onAbort = (): void => {
      socket.destroy();
      finish(abortedResult(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', onConnect);
    socket.on('error', onError);
    socket.setNoDelay(true);
    socket.connect({ host: ip, port });
  });
}

export type ResolveResult = { ok: true; ip: string } | Extract<ConnectResult, { ok: false }>;

/** An IP literal as is; a name through the system resolver (first address), until the signal aborts. */
export async function resolveAddress(address: string, signal: AbortSignal): Promise<ResolveResult> {
  if (net.isIP(address) !== 0) return { ok: true, ip: address };
  try {
    const found = await Promise.race([lookup(address), whenAborted(signal)]);
    if (typeof found === 'string') return abortedResult(signal);
    return { ok: true, ip: found.address };
  } catch (error) {
    const classified = classifyErrno(errorCode(error));
    const state = classified.state === 'error' ? 'unresolved' : classified.state;
    return { ok: false, state, reason: classified.reason, message: `${address}: ${errorText(error)}` };
  }
}

/** The result for a connect cut short by the deadline (filtered) or by shutdown (error). */
export function abortedResult(signal: AbortSignal): Extract<ConnectResult, { ok: false }> {
  return abortKind(signal) === 'timeout'
    ? { ok: false, state: 'filtered', reason: 'timeout', message: 'no answer to the connection attempt' }
    : { ok: false, state: 'error', reason: 'aborted', message: 'run interrupted' };
}

/**
 * Close politely: half-close (FIN) so the peer logs an orderly close rather than a reset, then
 * release the socket when the peer closes too or after a short grace.
 */
export function closeGently(socket: net.Socket, graceMs = 250): void {
  if (socket.destroyed) return;
  socket.removeAllListeners('data');
  socket.on('error', () => undefined);
  socket.end();
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
}

/** The facts of a probe whose connection never opened; every TCP probe ends this way then. */
export function connectFailureFacts(
  failure: Extract<ConnectResult, { ok: false }>,
  clock: PhaseClock,
): ProbeFacts {
  return {
    state: failure.state,
    reason: failure.reason,
    ...(failure.message === undefined ? {} : { message: failure.message }),
    timings: clock.done(),
  };
}
