import { networkInterfaces } from 'node:os';
import type { ResponderCredentials } from '../../../src/core/credentials.js';
import type { Secret } from '../../../src/core/secret.js';
import type { Evidence, Finding, Outcome, ProbeFacts } from '../../../src/core/probe.js';
import type { TransportReason } from '../../../src/core/transport-reasons.js';
import type { PhaseClock } from '../../../src/core/clock.js';
import { buildRequest, normalizeAddress, verifyAnswer, type ParsedReply, type RESPONDER_REASONS } from './protocol.js';

/**
 * What the prober knows of its own end, to compare with what the responder saw: the socket's
 * address and port (TCP), or only whether the seen address is one of this machine's (UDP, whose
 * shared exchange does not expose its socket).
 */
export type OwnEnd =
  | { readonly kind: 'socket'; readonly address: string; readonly port: number }
  | { readonly kind: 'machine'; readonly addresses: ReadonlySet<string> };

type ResponderReason = keyof typeof RESPONDER_REASONS | TransportReason;

export type PreparedRequest =
  | { readonly ok: true; readonly token: Secret; readonly bytes: Buffer; readonly nonce: string }
  | { readonly ok: false; readonly facts: ProbeFacts<ResponderReason> };

/** The signed request of this host, or the facts of why none can be sent; the same for both transports. */
export function prepareRequest(credentials: ResponderCredentials | undefined, clock: PhaseClock): PreparedRequest {
  if (credentials === undefined) {
    return { ok: false, facts: { state: 'error', reason: 'responder-no-token', message: 'nothing sent', timings: clock.done() } };
  }
  const request = buildRequest(credentials.token, credentials.name);
  if (request === undefined) {
    const message = 'this host\'s name is too long for the responder protocol';
    return { ok: false, facts: { state: 'error', reason: 'local-error', message, timings: clock.done() } };
  }
  return { ok: true, token: credentials.token, ...request };
}

/** The outcome of a responder's answer or refusal, the same for both transports. */
export function replyFacts(reply: ParsedReply, token: Secret, nonce: string, own: OwnEnd): Outcome<ResponderReason> {
  if (reply.kind === 'deny') {
    const mismatch = reply.code === 'bad-mac';
    return {
      state: 'open',
      reason: mismatch ? 'responder-token-mismatch' : 'responder-refused',
      message: `the responder answered DENY ${reply.code}`,
      evidence: { denied: reply.code },
    };
  }
  if (!verifyAnswer(token, nonce, reply)) {
    return {
      state: 'open',
      reason: 'responder-bad-answer',
      message: 'the answer\'s MAC does not match this request and token',
    };
  }
  const { responder, seenAddress, seenPort, localAddress, localPort } = reply.fields;
  const evidence: Evidence = {
    responder,
    seenAddress,
    seenPort,
    responderAddress: localAddress,
    responderPort: localPort,
    ...(own.kind === 'socket' ? { localAddress: own.address, localPort: own.port } : {}),
  };
  const nat = natFinding(seenAddress, seenPort, own);
  return {
    state: 'open',
    reason: 'responder-answered',
    message: `responder ${responder} answered on ${localAddress} port ${localPort}; it saw this prober as ${seenAddress} port ${seenPort}`,
    evidence,
    ...(nat === undefined ? {} : { findings: [nat] }),
  };
}

/** NAT is in the path when the responder saw another source than the one this prober sent from. */
export function natFinding(seenAddress: string, seenPort: number, own: OwnEnd): Finding | undefined {
  const seen = normalizeAddress(seenAddress);
  const warning = 'PSM Networking Considerations warns that NAT between PSM hosts breaks client-server communication';
  if (own.kind === 'socket') {
    const mine = normalizeAddress(own.address);
    if (seen === mine && seenPort === own.port) return undefined;
    const what = seen === mine ? 'source port translation' : 'NAT';
    return {
      code: 'nat-detected',
      severity: 'warn',
      message: `${what} in the path: sent from ${mine} port ${own.port}, the responder saw ${seen} port ${seenPort}; ${warning}`,
    };
  }
  if (own.addresses.has(seen)) return undefined;
  return {
    code: 'nat-detected',
    severity: 'warn',
    message: `NAT in the path: the responder saw ${seen}, which is not an address of this machine; ${warning}`,
  };
}

/** This machine's interface addresses, normalized (for the UDP probe's NAT check). */
export function machineAddresses(): ReadonlySet<string> {
  return new Set(
    Object.values(networkInterfaces())
      .flat()
      .flatMap((entry) => (entry === undefined ? [] : [normalizeAddress(entry.address)])),
  );
}
