import { z } from 'zod';
import { defineReasons } from '../../../src/core/reasons.js';
import type { Evidence, Finding, ProbeContext, ProbeFacts } from '../../../src/core/probe.js';
import type { PhaseClock } from '../../../src/core/clock.js';
import { startSshClient, SSH_CLIENT_SOFTWARE, type SshClientHandle, type SshKexReason } from './client.js';
import { connectionEvidence, type SshConnection } from './connection.js';
import { fingerprintSchema, normalizePins } from './host-key.js';
import type { Ssh2 } from './library.js';
import { closeGently } from '../../kit/tcp-connect.js';

/**
 * The SSH transport check shared by the `ssh` probe and the `netconf` probe (which runs it when it
 * has no credentials): identification, key exchange, host key and its pin. Never a login.
 */

/** Reasons of the SSH transport, declared by every probe that runs it. */
export const SSH_TRANSPORT_REASONS = defineReasons({
  'not-ssh': {
    outcome: 'fail',
    summary: 'the port answered, but not with SSH: no SSH identification line (another service on this port?)',
  },
  'bad-identification': {
    outcome: 'fail',
    summary: 'the SSH identification line breaks RFC 4253 §4.2 (longer than 255 bytes, malformed version)',
  },
  'ssh-version-unsupported': { outcome: 'fail', summary: 'the server speaks only SSH protocol 1, which is obsolete and insecure' },
  'host-key-changed': {
    outcome: 'fail',
    summary: 'host key changed: it does not match the fingerprint pinned in the inventory (reinstalled device, or a man in the middle)',
  },
  'kex-failed': {
    outcome: 'fail',
    summary: 'SSH identification received, but the key exchange failed (no common algorithm, or the server closed)',
  },
  'kex-timeout': {
    outcome: 'fail',
    retryable: true,
    summary: 'SSH identification received, but the key exchange did not finish before the deadline',
  },
});

/** Option fields of the transport check; each probe picks its default for legacy algorithms. */
export function sshTransportOptionFields(defaults: { legacyAlgorithms: boolean; logsIn: boolean }) {
  return {
    checkHostKey: z
      .boolean()
      .default(true)
      .describe(
        (defaults.logsIn ? 'Without credentials: run' : 'Run') +
          ' the SSH key exchange to read the host key (algorithm and SHA256 fingerprint), without logging in. ' +
          'False: read the identification line only. A hostKey pin runs the key exchange regardless' +
          (defaults.logsIn ? '; with credentials the key exchange always runs' : ''),
      ),
    hostKey: z
      .union([fingerprintSchema, z.array(fingerprintSchema)])
      .default([])
      .describe(
        'Expected host key fingerprint(s) of this host, SHA256:... as `ssh-keygen -l` or a previous report shows it; ' +
          'list several for a host with several key types. A key matching none is reported as host-key-changed',
      ),
    legacyAlgorithms: z
      .boolean()
      .default(defaults.legacyAlgorithms)
      .describe(
        'Also offer obsolete SSH algorithms (diffie-hellman-group1-sha1, ssh-dss, CBC ciphers) after the modern ones, ' +
          'for old devices; a weak negotiated algorithm is reported as a finding' +
          (defaults.logsIn ? '. Off by default here: credentials would travel over them' : ''),
      ),
  };
}

export interface SshTransportOptions {
  readonly checkHostKey: boolean;
  readonly hostKey: string | readonly string[];
  readonly legacyAlgorithms: boolean;
}

type Ctx = Pick<ProbeContext<unknown>, 'signal' | 'maxBytes' | 'timeoutMs'>;

/**
 * Finish the transport check on a connection whose identification was read: key exchange and
 * host key (unless disabled), then a polite close. Resolves with the facts of an `ssh-ok`
 * transport or of what failed.
 */
export async function checkSshTransport(
  ssh2: Ssh2,
  conn: SshConnection,
  ctx: Ctx,
  clock: PhaseClock,
  options: SshTransportOptions,
): Promise<ProbeFacts<SshKexReason | 'ssh-ok'>> {
  const pins = normalizePins(options.hostKey);
  const base = connectionEvidence(conn);
  if (!options.checkHostKey && pins.length === 0) {
    // Polite even without a key exchange: our identification, then FIN (never a silent close,
    // which OpenSSH logs as a failed identification exchange and fail2ban may count).
    conn.socket.write(`SSH-2.0-${SSH_CLIENT_SOFTWARE}\r\n`);
    closeGently(conn.socket, undefined, ctx.maxBytes - conn.bytesRead);
    return {
      state: 'open',
      reason: 'ssh-ok',
      message: conn.ident.line,
      timings: clock.done(),
      bytesRead: conn.bytesRead,
      evidence: { ...base, hostKeyChecked: false },
      ...findingsOf(conn, undefined),
    };
  }

  const handle = startSshClient(ssh2, conn, ctx, clock, { pins, legacyAlgorithms: options.legacyAlgorithms });
  const failure = await handle.kexDone;
  handle.close();
  const evidence: Evidence = { ...base, ...sshSessionEvidence(handle, pins) };
  if (failure !== undefined) {
    return {
      state: failure.state,
      reason: failure.reason,
      message: failure.message,
      timings: clock.done(),
      bytesRead: handle.bytesRead(),
      evidence: failure.reason === 'kex-failed' ? { ...evidence, serverAlgorithms: handle.serverAlgorithms() } : evidence,
    };
  }
  const key = handle.hostKey();
  return {
    state: 'open',
    reason: 'ssh-ok',
    message: key === undefined ? conn.ident.line : `${conn.ident.line}, host key ${key.algorithm} ${key.fingerprint}`,
    timings: clock.done(),
    bytesRead: handle.bytesRead(),
    evidence,
    ...findingsOf(conn, handle),
  };
}

/** Host key and negotiated algorithms of an SSH session, for evidence. */
export function sshSessionEvidence(handle: SshClientHandle, pins: readonly string[]): Evidence {
  const key = handle.hostKey();
  const algorithms = handle.negotiated();
  return {
    hostKeyChecked: true,
    ...(key === undefined ? {} : { hostKeyAlgorithm: key.algorithm, hostKeyFingerprint: key.fingerprint }),
    ...(pins.length === 0 || key === undefined ? {} : { hostKeyPinned: pins.includes(key.fingerprint) }),
    ...(algorithms === undefined
      ? {}
      : { kex: algorithms.kex, cipher: algorithms.cs.cipher, mac: algorithms.cs.mac || 'implicit' }),
  };
}

// Algorithms that only the legacy offer can produce (ssh2 prefers modern ones); broken or
// deprecated per RFC 9142 (KEX), RFC 8758 (RC4), RFC 8332 / OpenSSH 8.8 (SHA-1 RSA signatures).
const WEAK = /^(diffie-hellman-group1-sha1|diffie-hellman-group14-sha1|diffie-hellman-group-exchange-sha1|ssh-dss|ssh-rsa|.*-cbc|arcfour.*|hmac-md5.*|hmac-sha1-96|hmac-ripemd160)$/;

/** Security findings of the transport; they never change the reason. */
export function findingsOf(conn: SshConnection, handle: SshClientHandle | undefined): { findings?: Finding[] } {
  const findings: Finding[] = [];
  if (conn.ident.protoVersion === '1.99') {
    findings.push({
      code: 'ssh-protocol-1-enabled',
      severity: 'warn',
      message: 'the server announces 1.99: it also accepts the obsolete SSH protocol 1',
    });
  }
  const algorithms = handle?.negotiated();
  if (algorithms !== undefined) {
    // serverHostKey is the signature algorithm: `ssh-rsa` means SHA-1 signatures, `rsa-sha2-*` do not.
    const negotiated: string[] = [algorithms.kex, algorithms.serverHostKey, algorithms.cs.cipher, algorithms.cs.mac];
    const weak = negotiated.filter((name) => WEAK.test(name));
    if (weak.length > 0) {
      findings.push({
        code: 'ssh-weak-algorithms',
        severity: 'warn',
        message: `the server supports nothing better than weak SSH algorithms: ${[...new Set(weak)].join(', ')}`,
      });
    }
  }
  return findings.length === 0 ? {} : { findings };
}
