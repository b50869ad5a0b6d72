import type { Socket } from 'node:net';
import type { Evidence, ProbeContext, ProbeFacts, ProbeTarget } from '../../../src/core/probe.js';
import type { TransportReason } from '../../../src/core/transport-reasons.js';
import type { ReadResult } from '../../kit/bounded-reader.js';
import type { PhaseClock } from '../../../src/core/clock.js';
import { classifyErrno } from '../../../src/core/errno.js';
import { readEndFacts } from '../../kit/read-end.js';
import { isPrefixOfSshLine, printable, scanIdentification, speaksSsh2, unfinishedLine, type IdentScan, type SshIdentification } from './ident.js';
import { connectFailureFacts } from '../../kit/tcp-connect.js';
import { openTcp } from '../../kit/tcp-probe.js';

/** A TCP connection whose server has sent a valid SSH-2 identification line. */
export interface SshConnection {
  readonly socket: Socket;
  /** The target's address as the inventory gives it. */
  readonly address: string;
  /** The address connected to (differs from `address` when that was a name). */
  readonly ip: string;
  readonly ident: SshIdentification;
  /** The identification line and every byte after it: handed back to ssh2, which parses it again. */
  readonly replay: Buffer;
  /** Bytes read so far, counted against the probe's limit. */
  readonly bytesRead: number;
}

export type SshStep<T, Reason extends string> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly facts: ProbeFacts<Reason> };

/** What the identification read can end in. */
export type SshIdentReason = TransportReason | 'not-ssh' | 'bad-identification' | 'ssh-version-unsupported';

type Ctx = Pick<ProbeContext<unknown>, 'signal' | 'maxBytes'>;

// The read ends as soon as the identification line is complete (or the peer is clearly not SSH),
// taking everything buffered: what follows the line is the server's KEXINIT, which ssh2 needs.
const identMatcher = (buffer: Buffer): number => (scanIdentification(buffer).kind === 'incomplete' ? -1 : buffer.length);

/**
 * Connect and read the server's identification (the server speaks first, RFC 4253 §4.2), within
 * the probe's deadline and byte limit. Sends nothing: the caller decides how to go on. A failure
 * closes the connection within what is left of the byte budget (a flood is cut off, not drained).
 */
export async function openSshConnection(target: ProbeTarget, ctx: Ctx, clock: PhaseClock): Promise<SshStep<SshConnection, SshIdentReason>> {
  const opened = await openTcp(target.address, target.port ?? 22, ctx, clock);
  if (!opened.ok) return { ok: false, facts: connectFailureFacts(opened, clock) };
  const { conn } = opened;
  const read = await conn.reader.read(identMatcher, ctx.signal);
  clock.mark('banner');
  const scan = scanIdentification(read.data);
  const ipEvidence: Evidence = conn.ip === target.address ? {} : { ip: conn.ip };

  if (read.end === 'matched' && scan.kind === 'found') {
    const { ident } = scan;
    if (!speaksSsh2(ident.protoVersion)) {
      return {
        ok: false,
        facts: conn.finish({
          state: 'open',
          reason: 'ssh-version-unsupported',
          message: `the server speaks only SSH protocol ${ident.protoVersion}: "${ident.line}"`,
          evidence: { ...ipEvidence, ...identEvidence(ident) },
        }),
      };
    }
    const bytesRead = conn.bytesRead;
    const socket = conn.release();
    return { ok: true, value: { socket, address: target.address, ip: conn.ip, ident, replay: read.data.subarray(scan.identStart), bytesRead } };
  }

  if (read.end === 'aborted') conn.socket.destroy();
  const failure = identFailure(read, scan);
  return { ok: false, facts: conn.finish({ ...failure, evidence: { ...ipEvidence, ...failure.evidence } }) };
}

/** Evidence of a connection: the address connected to (when the target was a name) and the identification. */
export function connectionEvidence(conn: SshConnection): Evidence {
  return { ...(conn.ip === conn.address ? {} : { ip: conn.ip }), ...identEvidence(conn.ident) };
}

/** What the identification line tells, for evidence: `1.99` is reported as 2.0 (RFC 4253 §5.1). */
export function identEvidence(ident: SshIdentification): Evidence {
  return {
    protoVersion: ident.protoVersion === '1.99' ? '2.0' : ident.protoVersion,
    ...(ident.protoVersion === '1.99' ? { announcedVersion: '1.99' } : {}),
    software: ident.software,
    ...(ident.comments === undefined ? {} : { comments: ident.comments }),
    ...(ident.preamble.length === 0 ? {} : { preamble: ident.preamble.slice(0, 20).map((line) => line.slice(0, 200)) }),
  };
}

type Failure = Pick<ProbeFacts<SshIdentReason>, 'state' | 'reason' | 'message'> & { evidence: Evidence };

function identFailure(read: ReadResult, scan: IdentScan): Failure {
  const preamble = scan.kind === 'found' ? scan.ident.preamble : scan.kind === 'bad-identification' ? [] : scan.preamble;
  const evidence: Evidence = {
    ...(preamble.length === 0 ? {} : { preamble: preamble.slice(0, 20).map((line) => line.slice(0, 200)) }),
    ...(read.data.length === 0 ? {} : { firstBytes: printable(read.data, 60) }),
  };
  if (read.end === 'aborted') return { state: 'error', reason: 'aborted', message: 'run interrupted', evidence };
  if (scan.kind === 'bad-identification') {
    return { state: 'open', reason: 'bad-identification', message: `${scan.detail}: "${scan.line}"`, evidence };
  }
  if (scan.kind === 'not-ssh') return { state: 'open', reason: 'not-ssh', message: scan.detail, evidence };

  const sent = read.data.length;
  const said = preamble.length > 0 ? `"${preamble.join(' | ').slice(0, 200)}"` : `${sent} bytes`;
  // An identification line that stops part-way: the banner is incomplete, not another protocol.
  const unfinished = unfinishedLine(read.data);
  if (isPrefixOfSshLine(unfinished) && (read.end === 'eof' || read.end === 'timeout')) {
    const ended = readEndFacts(read.end, 'SSH identification', undefined, unfinished.length);
    return { ...ended, message: `${ended.message}: "${printable(unfinished, 80)}"`, evidence };
  }
  switch (read.end) {
    case 'reset': {
      const classified = classifyErrno(read.errorCode);
      const message = `${read.errorCode ?? 'connection error'} before the SSH identification`;
      return { state: classified.state, reason: classified.reason, message, evidence };
    }
    case 'eof':
      return sent === 0
        ? { state: 'open', reason: 'closed-before-banner', message: 'the server closed without sending its SSH identification', evidence }
        : { state: 'open', reason: 'closed-before-banner', message: `the server sent ${said}, then closed without an SSH identification`, evidence };
    case 'timeout':
      return sent === 0
        ? { state: 'open', reason: 'no-banner', message: 'no SSH identification before the deadline', evidence }
        : { state: 'open', reason: 'not-ssh', message: `the server sent ${said} but no SSH identification before the deadline`, evidence };
    case 'limit':
      return { state: 'open', reason: 'not-ssh', message: `no SSH identification in the first ${sent} bytes`, evidence };
    default:
      return { state: 'open', reason: 'not-ssh', message: 'no SSH identification', evidence };
  }
}
