import { randomBytes } from 'node:crypto';
import {
  AUTHENTICATOR_OFFSET,
  MESSAGE_AUTHENTICATOR_LENGTH,
  messageAuthenticatorDigest,
  packetDigest,
  sameDigest,
} from './authenticators.js';

/**
 * RADIUS packets (RFC 2865 §3, RFC 3579 §3.2, RFC 5997): the one codec of the project, used by the
 * probe (requests, reply checks) and by the lab's server (./server.ts). Built and verified here
 * rather than with the `radius` package: that package appends Message-Authenticator last, while
 * the BlastRADIUS guidance (draft-ietf-radext-deprecating-radius) wants it first, and it cannot
 * tell "no Message-Authenticator" from "a valid one" in a reply. The package stays in the tests
 * as an independent oracle for this codec.
 */

export { hidePassword } from './password.js';

export const CODE = {
  accessRequest: 1,
  accessAccept: 2,
  accessReject: 3,
  accountingRequest: 4,
  accountingResponse: 5,
  accessChallenge: 11,
  statusServer: 12,
} as const;

export const CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'Access-Request',
  2: 'Access-Accept',
  3: 'Access-Reject',
  4: 'Accounting-Request',
  5: 'Accounting-Response',
  11: 'Access-Challenge',
  12: 'Status-Server',
};

export const ATTRIBUTE = {
  userName: 1,
  userPassword: 2,
  replyMessage: 18,
  nasIdentifier: 32,
  proxyState: 33,
  messageAuthenticator: 80,
} as const;

/** Code, Identifier, Length, Authenticator (RFC 2865 §3). */
export const HEADER_LENGTH = 20;
/** RFC 2865 §3: 20 to 4096 octets. */
const MAX_PACKET = 4096;

export type Attribute = readonly [type: number, value: Buffer];

/** A parsed packet, request or reply. */
export interface Packet {
  readonly code: number;
  readonly identifier: number;
  /** The Request or Response Authenticator from the header. */
  readonly authenticator: Buffer;
  /** The packet up to its Length field (octets past it are padding, RFC 2865 §3). */
  readonly packet: Buffer;
  readonly attributes: readonly Attribute[];
}

/** What the probe calls the server's answer. */
export type Reply = Packet;

/** Parse a datagram as a RADIUS packet; undefined when malformed or truncated. */
export function parsePacket(datagram: Buffer): Packet | undefined {
  if (datagram.length < HEADER_LENGTH) return undefined;
  const length = datagram.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_PACKET || length > datagram.length) return undefined;
  const packet = datagram.subarray(0, length);
  const attributes: Attribute[] = [];
  // Every attribute must fit exactly; one that overruns makes the whole packet invalid.
  for (let offset = HEADER_LENGTH; offset < length; ) {
    const type = packet[offset] ?? 0;
    const size = packet[offset + 1] ?? 0;
    if (size < 2 || offset + size > length) return undefined;
    attributes.push([type, packet.subarray(offset + 2, offset + size)]);
    offset += size;
  }
  return { code: packet[0] ?? 0, identifier: packet[1] ?? 0, authenticator: packet.subarray(AUTHENTICATOR_OFFSET, HEADER_LENGTH), packet, attributes };
}

/** The probe's name for parsePacket. */
export const parseReply = parsePacket;

/** Header and attributes, Length filled in; the authenticator as given. */
export function encodePacket(code: number, identifier: number, authenticator: Buffer, attributes: readonly Attribute[]): Buffer {
  const body = Buffer.concat(attributes.map(([type, value]) => Buffer.concat([Buffer.from([type, value.length + 2]), value])));
  const packet = Buffer.concat([Buffer.from([code, identifier, 0, 0]), authenticator, body]);
  packet.writeUInt16BE(packet.length, 2);
  return packet;
}

/** An empty Message-Authenticator, to be signed once the packet is complete. */
export const UNSIGNED_MESSAGE_AUTHENTICATOR: Attribute = [ATTRIBUTE.messageAuthenticator, Buffer.alloc(MESSAGE_AUTHENTICATOR_LENGTH - 2)];

/** Offset of the attribute at `index` in `packet.packet`. */
export function attributeOffset(packet: Packet, index: number): number {
  let offset = HEADER_LENGTH;
  for (let i = 0; i < index; i += 1) offset += (packet.attributes[i]?.[1].length ?? 0) + 2;
  return offset;
}

/** The value of the first attribute of `type`, if any. */
export function firstAttribute(packet: Packet, type: number): Buffer | undefined {
  return packet.attributes.find(([candidate]) => candidate === type)?.[1];
}

export interface Request {
  readonly packet: Buffer;
  readonly identifier: number;
  readonly authenticator: Buffer;
}

/**
 * A request with a random Request Authenticator. With `messageAuthenticator`, the
 * Message-Authenticator goes first (HMAC-MD5 over the packet with it zeroed).
 */
export function buildRequest(
  code: number,
  identifier: number,
  secret: Buffer,
  attributes: readonly Attribute[],
  messageAuthenticator: boolean,
  authenticator: Buffer = randomBytes(16),
): Request {
  const all = messageAuthenticator ? [UNSIGNED_MESSAGE_AUTHENTICATOR, ...attributes] : attributes;
  const packet = encodePacket(code, identifier, authenticator, all);
  if (messageAuthenticator) messageAuthenticatorDigest(packet, HEADER_LENGTH, authenticator, secret).copy(packet, HEADER_LENGTH + 2);
  return { packet, identifier, authenticator };
}

export interface MessageAuthenticatorCheck {
  readonly state: 'absent' | 'valid' | 'invalid';
  /** Message-Authenticator is the first attribute (BlastRADIUS guidance). */
  readonly first: boolean;
}

/**
 * Checks the first Message-Authenticator of `packet`, computed with `headerAuthenticator` in the
 * header: the Request Authenticator for a reply and for Access-Request/Status-Server, 16 zeros
 * for Accounting-Request (RFC 3579 §3.2, as FreeRADIUS computes it).
 */
export function checkMessageAuthenticator(packet: Packet, headerAuthenticator: Buffer, secret: Buffer): MessageAuthenticatorCheck {
  const index = packet.attributes.findIndex(([type]) => type === ATTRIBUTE.messageAuthenticator);
  if (index < 0) return { state: 'absent', first: false };
  const received = packet.attributes[index]?.[1] ?? Buffer.alloc(0);
  if (received.length !== MESSAGE_AUTHENTICATOR_LENGTH - 2) return { state: 'invalid', first: index === 0 };
  const expected = messageAuthenticatorDigest(packet.packet, attributeOffset(packet, index), headerAuthenticator, secret);
  return { state: sameDigest(expected, received) ? 'valid' : 'invalid', first: index === 0 };
}

export interface Verification {
  /** The Response Authenticator matches MD5(Code+ID+Length+RequestAuth+Attributes+Secret). */
  readonly authenticator: boolean;
  readonly messageAuthenticator: MessageAuthenticatorCheck['state'];
  /** Message-Authenticator is the first attribute (BlastRADIUS guidance). */
  readonly messageAuthenticatorFirst: boolean;
}

export function verifyReply(reply: Reply, request: Request, secret: Buffer): Verification {
  const authenticator = sameDigest(packetDigest(reply.packet, request.authenticator, secret), reply.authenticator);
  const ma = checkMessageAuthenticator(reply, request.authenticator, secret);
  return { authenticator, messageAuthenticator: ma.state, messageAuthenticatorFirst: ma.first };
}

/** Text of the first Reply-Message, bounded, if printable. */
export function replyMessage(reply: Reply): string | undefined {
  const value = firstAttribute(reply, ATTRIBUTE.replyMessage);
  if (value === undefined) return undefined;
  const text = value.subarray(0, 200).toString('utf8');
  // eslint-disable-next-line no-control-regex
  return /^[^\x00-\x08\x0e-\x1f]*$/.test(text) ? text : undefined;
}
