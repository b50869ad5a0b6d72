import type { Algorithms, AuthHandlerMiddleware, Client, ConnectConfig, NegotiatedAlgorithms } from 'ssh2';
import type { SshLogin } from '../../../src/core/credentials.js';
import type { TransportState } from '../../../src/core/model.js';
import type { TransportReason } from '../../../src/core/transport-reasons.js';
import { TOOL_VERSION } from '../../../src/core/version.js';
import type { ProbeContext } from '../../../src/core/probe.js';
import { abortKind } from '../../../src/core/abort.js';
import type { PhaseClock } from '../../../src/core/clock.js';
import { errorCode } from '../../../src/core/errno.js';
import type { SshConnection } from './connection.js';
import { describeHostKey, type HostKeyInfo } from './host-key.js';
import type { Ssh2 } from './library.js';
import { loginStrategy } from './login.js';

/**
 * Our identification: `SSH-2.0-psm_netcheck_<version>`, so a server's log names the tool.
 * RFC 4253 4.2 allows no '-' in the software version, hence the underscore.
 */
export const SSH_CLIENT_SOFTWARE = `psm_netcheck_${TOOL_VERSION}`;

/** Reasons a key exchange can end in (the SSH probes declare them all). */
export type SshKexReason = TransportReason | 'host-key-changed' | 'kex-failed' | 'kex-timeout';
/** Reasons of a login and of the session after it (only a probe that logs in declares them). */
export type SshLoginReason = 'auth-failed' | 'auth-timeout' | 'closed-during-auth' | 'closed-before-hello' | 'no-hello';

export interface SshFailure<Reason extends string = SshKexReason | SshLoginReason> {
  readonly state: TransportState;
  readonly reason: Reason;
  readonly message: string;
}

const LOGIN_REASONS: ReadonlySet<string> = new Set<SshLoginReason>(['auth-failed', 'auth-timeout', 'closed-during-auth', 'closed-before-hello', 'no-hello']);

const isLoginReason = (reason: string): reason is SshLoginReason => LOGIN_REASONS.has(reason);

/**
 * A failure that ended the key exchange. It resolves only while the exchange runs, so it never
 * carries a login reason; should one come anyway it is reported as the key exchange failing.
 */
function kexFailure(failure: SshFailure): SshFailure<SshKexReason> {
  const reason = failure.reason;
  if (!isLoginReason(reason)) return { ...failure, reason };
  return { state: failure.state, reason: 'kex-failed', message: failure.message };
}

export interface SshClientOptions {
  /** Pinned fingerprints (normalized); empty: any key is accepted and reported. */
  readonly pins: readonly string[];
  /** Offer ssh2's legacy algorithms after the modern ones (old NEs); see the probes' option. */
  readonly legacyAlgorithms: boolean;
}

export interface SshClientHandle {
  readonly client: Client;
  /** Resolves when the key exchange completes (undefined) or fails. */
  readonly kexDone: Promise<SshFailure<SshKexReason> | undefined>;
  /** Resolves when login completes (undefined) or fails; without a login, together with kexDone. */
  readonly authDone: Promise<SshFailure | undefined>;
  hostKey(): HostKeyInfo | undefined;
  negotiated(): NegotiatedAlgorithms | undefined;
  /** The server's algorithm lists (from its KEXINIT), kept to explain a failed key exchange. */
  serverAlgorithms(): readonly string[];
  /** Why the connection broke after login, if it did (byte limit, peer closed, deadline). */
  brokenBy(): SshFailure | undefined;
  bytesRead(): number;
  /** Polite close: SSH DISCONNECT, then FIN; the socket is released after a short grace. */
  close(): void;
}

type Phase = 'kex' | 'auth' | 'session';

// Everything ssh2 supports after its modern defaults: only wanted to read an old NE's host key.
// ssh2 accepts a RegExp in `append` (utils.js generateAlgorithmList); @types/ssh2 does not say so.
const ALL_SUPPORTED = /./ as unknown as string;
/**
 * Key exchange: ECDH on P-256 first, then ssh2's defaults (curve25519 next). Both are modern and
 * any current server has both; P-256 through Node's ECDH object costs less than half the CPU of
 * curve25519 the way ssh2 does it (through KeyObjects, slow under OpenSSL 3), thousands of times
 * a night (docs/benchmarks.md, item 11).
 */
const KEX_PREFERENCE = { remove: 'ecdh-sha2-nistp256', prepend: 'ecdh-sha2-nistp256' };
const ALGORITHMS = { kex: KEX_PREFERENCE } as unknown as Algorithms;
const LEGACY_ALGORITHMS = {
  kex: { ...KEX_PREFERENCE, append: ALL_SUPPORTED },
  serverHostKey: { append: ALL_SUPPORTED },
  cipher: { append: ALL_SUPPORTED },
  hmac: { append: ALL_SUPPORTED },
} as unknown as Algorithms;

// Without a login nothing may be sent after the key exchange; the connection is closed in the
// 'handshake' listener already, and this refuses every method should ssh2 ask anyway.
const NO_AUTH: AuthHandlerMiddleware = (_left, _partial, next) => next(false as unknown as 'none');

/**
 * Hands a connection whose identification was read to ssh2's client, which runs the key exchange
 * (and, with a login, the authentication) on the same socket. One deadline covers it all: the
 * probe's signal; one byte budget too: every byte after the identification is counted here.
 *
 * The key exchange runs to completion (NEWKEYS) before the host key is trusted: only then has
 * ssh2 checked the server's signature, i.e. that the server holds the private key of the
 * fingerprint it showed. Rejecting in the host verifier would be one round trip shorter, but would
 * accept a copied public key as a pin match.
 *
 * `ssh2` is the library, loaded by the probe before it connected (see ssh-library.ts).
 */
export function startSshClient(
  ssh2: Ssh2,
  conn: SshConnection,
  ctx: Pick<ProbeContext<unknown>, 'signal' | 'maxBytes' | 'timeoutMs'>,
  clock: PhaseClock,
  options: SshClientOptions,
  login?: SshLogin,
): SshClientHandle {
  const { socket } = conn;
  const client = new ssh2.Client();
  let phase: Phase = 'kex';
  let hostKey: HostKeyInfo | undefined;
  let negotiated: NegotiatedAlgorithms | undefined;
  let pinMismatch = false;
  let overLimit = false;
  let broken: SshFailure | undefined;
  let closed = false;
  const remoteLists: string[] = [];
  // The replayed bytes were counted when the identification was read; the listener sees them again.
  let counted = conn.bytesRead - conn.replay.length;

  let resolveKex: (failure: SshFailure<SshKexReason> | undefined) => void = () => undefined;
  let resolveAuth: (failure: SshFailure | undefined) => void = () => undefined;
  const kexDone = new Promise<SshFailure<SshKexReason> | undefined>((resolve) => (resolveKex = resolve));
  const authDone = new Promise<SshFailure | undefined>((resolve) => (resolveAuth = resolve));

  const close = (): void => {
    if (closed) return;
    closed = true;
    ctx.signal.removeEventListener('abort', onAbort);
    try {
      client.end();
    } catch {
      // Already torn down.
    }
    if (socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), 250);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };

  const fail = (failure: SshFailure): void => {
    if (phase === 'session') {
      broken ??= failure;
      return;
    }
    phase = 'session';
    resolveKex(kexFailure(failure));
    resolveAuth(failure);
  };

  const failureOf = (error: (Error & { level?: string }) | undefined): SshFailure => {
    if (overLimit) {
      return { state: 'open', reason: 'response-too-large', message: `more than ${ctx.maxBytes} bytes from the SSH server` };
    }
    if (pinMismatch && hostKey !== undefined) {
      return {
        state: 'open',
        reason: 'host-key-changed',
        message: `host key changed: the server showed ${hostKey.algorithm} ${hostKey.fingerprint}, expected ${options.pins.join(' or ')}`,
      };
    }
    if (ctx.signal.aborted || error?.level === 'client-timeout') return deadlineFailure(phase, ctx.signal);
    const detail = error === undefined ? undefined : errorDetail(error);
    if (phase === 'kex') {
      return { state: 'open', reason: 'kex-failed', message: detail === undefined ? 'the server closed during the key exchange' : `key exchange failed: ${detail}` };
    }
    if (phase === 'auth') {
      return error?.level === 'client-authentication'
        ? { state: 'open', reason: 'auth-failed', message: `the server refused the credentials of user "${login?.username ?? ''}"` }
        : { state: 'open', reason: 'closed-during-auth', message: detail === undefined ? 'the server closed during login' : `login interrupted: ${detail}` };
    }
    return { state: 'open', reason: 'closed-before-hello', message: detail ?? 'the server closed the connection' };
  };

  const onAbort = (): void => {
    fail(deadlineFailure(phase, ctx.signal));
    close();
  };

  client.on('error', (error: Error & { level?: string }) => fail(failureOf(error)));
  client.on('close', () => fail(failureOf(undefined)));
  client.on('handshake', (algorithms) => {
    negotiated = algorithms;
    clock.mark('kex');
    if (login === undefined) {
      phase = 'session';
      resolveKex(undefined);
      resolveAuth(undefined);
      // Synchronously, before ssh2 goes on to request the userauth service.
      close();
      return;
    }
    phase = 'auth';
    resolveKex(undefined);
  });
  client.on('ready', () => {
    clock.mark('auth');
    phase = 'session';
    resolveAuth(undefined);
  });

  // Paused before any 'data' listener is added, so nothing flows until ssh2 resumes the socket
  // with its own parser attached; the identification goes back in front of the buffered bytes.
  socket.pause();
  socket.removeAllListeners('data');
  if (socket.readableEnded || socket.destroyed) {
    fail({ state: 'open', reason: 'kex-failed', message: 'the server closed right after its identification' });
    socket.destroy();
    return handle();
  }
  socket.unshift(conn.replay);
  socket.on('data', (chunk: Buffer) => {
    counted += chunk.length;
    if (counted > ctx.maxBytes && !overLimit) {
      overLimit = true;
      fail(failureOf(undefined));
      socket.destroy();
    }
  });
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal.aborted) {
    onAbort();
    return handle();
  }

  const remaining = Math.max(1, Math.ceil(ctx.timeoutMs - clock.elapsed()));
  const config: ConnectConfig = {
    sock: socket,
    ident: SSH_CLIENT_SOFTWARE,
    // The probe's signal is the deadline; ssh2's own timer is only a backstop at the same time.
    readyTimeout: remaining,
    keepaliveInterval: 0,
    hostVerifier: (blob: Buffer): boolean => {
      hostKey = describeHostKey(blob);
      pinMismatch = options.pins.length > 0 && !options.pins.includes(hostKey.fingerprint);
      return !pinMismatch;
    },
    debug: (line: string) => {
      if (line.startsWith('Handshake: (remote) ') && remoteLists.length < 8) remoteLists.push(line.slice(20, 420));
    },
    algorithms: options.legacyAlgorithms ? LEGACY_ALGORITHMS : ALGORITHMS,
  };
  try {
    client.connect({
      ...config,
      username: login?.username ?? 'psm-netcheck',
      authHandler: login === undefined ? NO_AUTH : loginStrategy(login),
    });
  } catch (error) {
    fail({ state: 'error', reason: 'local-error', message: `ssh2 refused the connection settings: ${errorDetail(error as Error)}` });
    close();
    socket.destroy();
  }
  return handle();

  function handle(): SshClientHandle {
    return {
      client,
      kexDone,
      authDone,
      hostKey: () => hostKey,
      negotiated: () => negotiated,
      serverAlgorithms: () => remoteLists,
      brokenBy: () => broken,
      bytesRead: () => Math.min(Math.max(counted, conn.bytesRead), ctx.maxBytes),
      close,
    };
  }
}

function deadlineFailure(phase: Phase, signal: AbortSignal): SshFailure {
  if (signal.aborted && abortKind(signal) === 'aborted') return { state: 'error', reason: 'aborted', message: 'run interrupted' };
  switch (phase) {
    case 'kex':
      return { state: 'open', reason: 'kex-timeout', message: 'the SSH key exchange did not finish before the deadline' };
    case 'auth':
      return { state: 'open', reason: 'auth-timeout', message: 'the SSH login did not finish before the deadline' };
    default:
      return { state: 'open', reason: 'no-hello', message: 'no answer before the deadline' };
  }
}

/** A short, secret-free text of an ssh2 or socket error. */
function errorDetail(error: Error): string {
  const code = errorCode(error);
  const text = error.message.slice(0, 200);
  return code === undefined || text.includes(code) ? text : `${text} (${code})`;
}
