import { randomInt } from 'node:crypto';
import type dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer, RecordType } from 'dns-packet';
import { lazyModule } from '../../kit/lazy-module.js';

/**
 * DNS queries and the checks on their answers (RFC 1035 §4.1, RFC 5452 §3): the reply must be a
 * response with our random ID and our question. The address and port are checked by the
 * connected socket.
 */

/** dns-packet's exports (encode, decode, flags). */
export type DnsPacket = typeof dnsPacket;

/** Loaded by the dns probe before it sends, on its first query. */
export const loadDnsPacket = lazyModule('dns-packet', async () => (await import('dns-packet')).default);

export interface Query {
  readonly id: number;
  readonly name: string;
  readonly type: RecordType;
  readonly packet: Buffer;
}

/** RCODE names (RFC 1035 §4.1.1, RFC 2136, RFC 6895). */
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

/** Extended DNS Error codes (RFC 8914 §4), for the evidence. */
const EDE_NAMES: Readonly<Record<number, string>> = {
  0: 'Other',
  1: 'Unsupported DNSKEY Algorithm',
  2: 'Unsupported DS Digest Type',
  3: 'Stale Answer',
  4: 'Forged Answer',
  5: 'DNSSEC Indeterminate',
  6: 'DNSSEC Bogus',
  7: 'Signature Expired',
  8: 'Signature Not Yet Valid',
  9: 'DNSKEY Missing',
  10: 'RRSIGs Missing',
  11: 'No Zone Key Bit Set',
  12: 'NSEC Missing',
  13: 'Cached Error',
  14: 'Not Ready',
  15: 'Blocked',
  16: 'Censored',
  17: 'Filtered',
  18: 'Prohibited',
  19: 'Stale NXDOMAIN Answer',
  20: 'Not Authoritative',
  21: 'Not Supported',
  22: 'No Reachable Authority',
  23: 'Network Error',
  24: 'Invalid Data',
};
const EDE_OPTION = 15;
/** The EDNS0 UDP payload size the DNS flag day 2020 settled on. */
const EDNS_UDP_SIZE = 1232;

/**
 * The EDNS0 OPT pseudo-record (RFC 6891 §6.1.2) that queries carry, and that the lab's server puts
 * in its answers to them (§7): the flag-day payload size, version 0, DO clear, no options.
 */
export function ednsOpt(): OptAnswer {
  return { type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
}

export function buildQuery(dnsPacket: DnsPacket, name: string, type: RecordType, recursionDesired: boolean, edns: boolean): Query {
  const id = randomInt(0x10000);
  const packet = dnsPacket.encode({
    type: 'query',
    id,
    flags: recursionDesired ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ type, name: normalize(name), class: 'IN' }],
    ...(edns ? { additionals: [ednsOpt()] } : {}),
  });
  return { id, name, type, packet };
}

export interface Response {
  readonly rcode: string;
  readonly truncated: boolean;
  readonly authoritative: boolean;
  readonly recursionAvailable: boolean;
  readonly answers: readonly string[];
  readonly ede: readonly string[];
}

/** A response that carries this query's ID but does not decode (a compression loop, a record past the end). */
export interface MalformedResponse {
  readonly malformed: string;
}

const HEADER_LENGTH = 12;
const QR = 0x80;

/**
 * The response to `query`; `{ malformed }` when a message with this query's ID and the response
 * bit does not decode: that is the server's answer, broken, and waiting on would only reach the
 * deadline. Undefined when the bytes are not an answer to this query at all: too short, not a
 * response, another ID, or another question. An error reply without a question section
 * (allowed for FORMERR and the like) is accepted on its ID alone.
 */
export function parseResponse(dnsPacket: DnsPacket, message: Buffer, query: Query): Response | MalformedResponse | undefined {
  if (message.length < HEADER_LENGTH || message.readUInt16BE(0) !== query.id || ((message[2] ?? 0) & QR) === 0) return undefined;
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(message);
  } catch (error) {
    return { malformed: error instanceof Error ? error.message.slice(0, 120) : 'does not decode' };
  }
  if (packet.type !== 'response' || packet.id !== query.id) return undefined;
  const rcode = RCODES[(packet.flags ?? 0) & 0x0f] ?? `RCODE${(packet.flags ?? 0) & 0x0f}`;
  const questions = packet.questions ?? [];
  const sameQuestion =
    questions.length === 1 &&
    normalize(questions[0]?.name ?? '') === normalize(query.name) &&
    questions[0]?.type === query.type;
  if (!sameQuestion && !(questions.length === 0 && rcode !== 'NOERROR')) return undefined;
  return {
    rcode,
    truncated: packet.flag_tc,
    authoritative: packet.flag_aa,
    recursionAvailable: packet.flag_ra,
    answers: (packet.answers ?? []).slice(0, 20).map(describeAnswer),
    ede: extendedErrors(packet),
  };
}

/** Lowercase, no trailing dot; the root is the empty name. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function describeAnswer(answer: Answer): string {
  const data: unknown = 'data' in answer ? answer.data : undefined;
  return `${answer.name || '.'} ${answer.type} ${describeData(data)}`.slice(0, 200);
}

function describeData(data: unknown): string {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('hex');
  if (Array.isArray(data)) return data.map((part) => (Buffer.isBuffer(part) ? part.toString('utf8') : String(part))).join(' ');
  if (typeof data === 'object' && data !== null) {
    return Object.values(data as Record<string, unknown>)
      .map((value) => (Buffer.isBuffer(value) ? value.toString('hex') : String(value)))
      .join(' ');
  }
  return String(data);
}

function extendedErrors(packet: DecodedPacket): string[] {
  const found: string[] = [];
  for (const record of packet.additionals ?? []) {
    if (record.type !== 'OPT') continue;
    for (const option of (record as { options?: { code: number; data?: Buffer }[] }).options ?? []) {
      if (option.code !== EDE_OPTION || option.data === undefined || option.data.length < 2) continue;
      const code = option.data.readUInt16BE(0);
      const text = option.data.subarray(2, 120).toString('utf8').replace(/[^\x20-\x7e]/g, '');
      found.push(`${code} ${EDE_NAMES[code] ?? 'Unknown'}${text === '' ? '' : `: ${text}`}`);
    }
  }
  return found;
}
