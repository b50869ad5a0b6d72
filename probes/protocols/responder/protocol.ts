import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Secret } from '../../../src/core/secret.js';
import { defineReasons } from '../../../src/core/reasons.js';

/**
 * The line protocol between `psm-netcheck respond` and the responder probes (docs/responder.md).
 * One request, one answer, ASCII, one line each, the same over TCP (one exchange per connection)
 * and UDP (one datagram each way):
 *
 *   request  PSMNC1 REQ <from> <nonce> <mac> <padding>\n        always REQUEST_SIZE bytes
 *   answer   PSMNC1 OK <responder> <seenIp> <seenPort> <localIp> <localPort> <mac>\n
 *   refusal  PSMNC1 DENY <code>\n
 *
 * `from` and `responder` are inventory host names (URI-encoded). The request's MAC is
 * HMAC-SHA256(token, "PSMNC1|REQ|from|nonce"); the answer's covers the request's nonce and every
 * field of the answer, so an answer can neither be forged without the token nor replayed.
 * The request is padded so that it is always longer than any answer: the responder never sends
 * more bytes than it received (no amplification), and drops any request shorter than its answer.
 */

export const MAGIC = 'PSMNC1';
/** Size of every request the probes send; longer than ANSWER_MAX by construction (a test checks). */
export const REQUEST_SIZE = 400;
/** What a responder reads at most from one peer, and a probe at most for one answer. */
export const MAX_LINE = 512;
/** Longest encoded host name the protocol carries. */
export const NAME_MAX = 128;
const IP_MAX = 45; // "::ffff:255.255.255.255" is the longest textual address a socket reports
/** The longest answer line: OK with the longest name and addresses, and the MAC. */
export const ANSWER_MAX = `${MAGIC} OK `.length + NAME_MAX + 1 + (IP_MAX + 1 + 5 + 1) * 2 + 64 + 1;

const NONCE = /^[0-9a-f]{32}$/;
const MAC = /^[0-9a-f]{64}$/;
const PORT = /^\d{1,5}$/;

export const DENY_CODES = ['malformed', 'bad-mac', 'unknown-peer', 'replay'] as const;
export type DenyCode = (typeof DENY_CODES)[number];

/** Reasons both responder probes report (each declares the same object). */
export const RESPONDER_REASONS = defineReasons({
  'responder-answered': {
    outcome: 'ok',
    summary: 'verified through the responder: the path reaches this port (the real service is not installed yet)',
  },
  'responder-token-mismatch': {
    outcome: 'fail',
    summary: 'the path works, but the responder rejected the token: the two sides read different responder.token values',
  },
  'responder-refused': {
    outcome: 'fail',
    summary: 'the path works, but the responder refused the request (unknown peer name, replay or malformed; see message)',
  },
  'responder-bad-answer': {
    outcome: 'fail',
    summary: 'an answer that does not prove the shared token: not our responder, or a forged answer',
  },
  'responder-silent': {
    outcome: 'fail',
    retryable: true,
    summary:
      'no answer from the responder: a firewall drops the path, the responder does not listen on this port, ' +
      'or it ignores this peer (not in its inventory and no valid token)',
  },
  'other-service': {
    outcome: 'warn',
    summary: 'the port answers, but not with the responder: a service already listens here (check it without --via-responder)',
  },
  'responder-no-token': {
    outcome: 'fail',
    summary: 'no responder token for this probe: give the inventory a responder.token',
  },
});

export interface AnswerFields {
  readonly responder: string;
  readonly seenAddress: string;
  readonly seenPort: number;
  readonly localAddress: string;
  readonly localPort: number;
}

export interface ParsedRequest {
  /** The inventory name the prober gives. */
  readonly from: string;
  /** The same, as sent (the MAC covers this form). */
  readonly encodedFrom: string;
  readonly nonce: string;
  readonly mac: string;
}

export type ParsedReply =
  | { readonly kind: 'ok'; readonly fields: AnswerFields; readonly mac: string }
  | { readonly kind: 'deny'; readonly code: string };

/** An IPv4-mapped IPv6 address as the IPv4 address it stands for; IPv6 in lower case. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address.replace(/%.*$/, '').toLowerCase();
}

function hmac(token: Secret, text: string): string {
  return createHmac('sha256', token.reveal()).update(text).digest('hex');
}

function sameMac(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function encodeName(name: string): string | undefined {
  const encoded = encodeURIComponent(name);
  return encoded.length > 0 && encoded.length <= NAME_MAX ? encoded : undefined;
}

function decodeName(text: string): string | undefined {
  if (text.length === 0 || text.length > NAME_MAX) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** A padded request from `from`; undefined when the name is too long for the protocol. */
export function buildRequest(token: Secret, from: string): { readonly bytes: Buffer; readonly nonce: string } | undefined {
  const name = encodeName(from);
  if (name === undefined) return undefined;
  const nonce = randomBytes(16).toString('hex');
  const head = `${MAGIC} REQ ${name} ${nonce} ${hmac(token, `${MAGIC}|REQ|${name}|${nonce}`)} `;
  return { bytes: Buffer.from(`${head.padEnd(REQUEST_SIZE - 1, '.')}\n`, 'latin1'), nonce };
}

/** The fields of a request line (trailing newline optional); undefined when it is not one. */
export function parseRequest(data: Buffer): ParsedRequest | undefined {
  if (data.length > MAX_LINE) return undefined;
  const parts = data.toString('latin1').replace(/\r?\n$/, '').split(' ');
  const [magic, verb, name, nonce, mac, padding] = parts;
  if (magic !== MAGIC || verb !== 'REQ' || parts.length > 6) return undefined;
  if (name === undefined || nonce === undefined || mac === undefined) return undefined;
  if (!NONCE.test(nonce) || !MAC.test(mac) || (padding !== undefined && !/^\.*$/.test(padding))) return undefined;
  const from = decodeName(name);
  return from === undefined ? undefined : { from, encodedFrom: name, nonce, mac };
}

export function verifyRequest(token: Secret, request: ParsedRequest): boolean {
  return sameMac(hmac(token, `${MAGIC}|REQ|${request.encodedFrom}|${request.nonce}`), request.mac);
}

function answerText(nonce: string, fields: AnswerFields, name: string): string {
  return [nonce, name, fields.seenAddress, fields.seenPort, fields.localAddress, fields.localPort].join('|');
}

/** The answer to a verified request; undefined when the responder's name is too long. */
export function buildAnswer(token: Secret, nonce: string, fields: AnswerFields): Buffer | undefined {
  const name = encodeName(fields.responder);
  if (name === undefined) return undefined;
  const seen = normalizeAddress(fields.seenAddress);
  const local = normalizeAddress(fields.localAddress);
  const normalized = { ...fields, seenAddress: seen, localAddress: local };
  const mac = hmac(token, `${MAGIC}|OK|${answerText(nonce, normalized, name)}`);
  return Buffer.from(
    `${MAGIC} OK ${name} ${seen} ${fields.seenPort} ${local} ${fields.localPort} ${mac}\n`,
    'latin1',
  );
}

export function buildDeny(code: DenyCode): Buffer {
  return Buffer.from(`${MAGIC} DENY ${code}\n`, 'latin1');
}

/** An answer or refusal line; undefined for anything else (another service, garbage). */
export function parseReply(data: Buffer): ParsedReply | undefined {
  if (data.length > MAX_LINE) return undefined;
  const parts = data.toString('latin1').replace(/\r?\n$/, '').split(' ');
  if (parts[0] !== MAGIC) return undefined;
  if (parts[1] === 'DENY' && parts.length === 3 && /^[a-z-]{1,32}$/.test(parts[2] ?? '')) {
    return { kind: 'deny', code: parts[2] ?? '' };
  }
  if (parts[1] !== 'OK' || parts.length !== 8) return undefined;
  const [, , name = '', seenAddress = '', seenPort = '', localAddress = '', localPort = '', mac = ''] = parts;
  const responder = decodeName(name);
  if (responder === undefined || !MAC.test(mac)) return undefined;
  if (isIP(seenAddress) === 0 || isIP(localAddress) === 0 || !PORT.test(seenPort) || !PORT.test(localPort)) return undefined;
  return {
    kind: 'ok',
    fields: { responder, seenAddress, seenPort: Number(seenPort), localAddress, localPort: Number(localPort) },
    mac,
  };
}

/** True when an OK answer was made with the same token, for this request's nonce. */
export function verifyAnswer(token: Secret, nonce: string, reply: Extract<ParsedReply, { kind: 'ok' }>): boolean {
  const name = encodeName(reply.fields.responder);
  if (name === undefined) return false;
  return sameMac(hmac(token, `${MAGIC}|OK|${answerText(nonce, reply.fields, name)}`), reply.mac);
}
