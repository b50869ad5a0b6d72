import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * RADIUS packets (RFC 2865 §3, RFC 3579 §3.2, RFC 5997), built and verified here rather than with
 * the `radius` package: that package appends Message-Authenticator last, while the BlastRADIUS
 * guidance (draft-ietf-radext-deprecating-radius) wants it first, and it cannot tell "no
 * Message-Authenticator" from "a valid one" in a reply.
 */

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
  messageAuthenticator: 80,
} as const;

const HEADER = 20;
const MAX_PACKET = 4096;
const MA_LENGTH = 18;

export type Attribute = readonly [type: number, value: Buffer];

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
  const all: Attribute[] = messageAuthenticator ? [[ATTRIBUTE.messageAuthenticator, Buffer.alloc(16)], ...attributes] : [...attributes];
  const body = Buffer.concat(all.map(([type, value]) => Buffer.concat([Buffer.from([type, value.length + 2]), value])));
  const packet = Buffer.concat([Buffer.from([code, identifier, 0, 0]), authenticator, body]);
  packet.writeUInt16BE(packet.length, 2);
  if (messageAuthenticator) createHmac('md5', secret).update(packet).digest().copy(packet, HEADER + 2);
  return { packet, identifier, authenticator };
}

/** User-Password hiding (RFC 2865 §5.2): MD5 chain over the secret and the request authenticator. */
export function hidePassword(password: Buffer, secret: Buffer, authenticator: Buffer): Buffer {
  const padded = Buffer.alloc(Math.min(128, Math.max(16, Math.ceil(password.length / 16) * 16)));
  password.copy(padded, 0, 0, padded.length);
  const hidden = Buffer.alloc(padded.length);
  let previous = authenticator;
  for (let offset = 0; offset < padded.length; offset += 16) {
    const mask = createHash('md5').update(secret).update(previous).digest();
    for (let i = 0; i < 16; i += 1) hidden[offset + i] = (padded[offset + i] ?? 0) ^ (mask[i] ?? 0);
    previous = hidden.subarray(offset, offset + 16);
  }
  return hidden;
}

export interface Reply {
  readonly code: number;
  readonly identifier: number;
  /** The packet up to its Length field (octets past it are padding, RFC 2865 §3). */
  readonly packet: Buffer;
  readonly attributes: readonly Attribute[];
}

/** Parse a datagram as a RADIUS packet; undefined when malformed or truncated. */
export function parseReply(datagram: Buffer): Reply | undefined {
  if (datagram.length < HEADER) return undefined;
  const length = datagram.readUInt16BE(2);
  if (length < HEADER || length > MAX_PACKET || length > datagram.length) return undefined;
  const packet = datagram.subarray(0, length);
  const attributes: Attribute[] = [];
  for (let offset = HEADER; offset < length; ) {
    const type = packet[offset] ?? 0;
    const size = packet[offset + 1] ?? 0;
    if (size < 2 || offset + size > length) return undefined;
    attributes.push([type, packet.subarray(offset + 2, offset + size)]);
    offset += size;
  }
  return { code: packet[0] ?? 0, identifier: packet[1] ?? 0, packet, attributes };
}

export interface Verification {
  /** The Response Authenticator matches MD5(Code+ID+Length+RequestAuth+Attributes+Secret). */
  readonly authenticator: boolean;
  readonly messageAuthenticator: 'absent' | 'valid' | 'invalid';
  /** Message-Authenticator is the first attribute (BlastRADIUS guidance). */
  readonly messageAuthenticatorFirst: boolean;
}

export function verifyReply(reply: Reply, request: Request, secret: Buffer): Verification {
  const withRequestAuth = Buffer.from(reply.packet);
  request.authenticator.copy(withRequestAuth, 4);
  const expected = createHash('md5').update(withRequestAuth).update(secret).digest();
  const authenticator = timingSafeEqual(expected, reply.packet.subarray(4, HEADER));

  const index = reply.attributes.findIndex(([type]) => type === ATTRIBUTE.messageAuthenticator);
  if (index < 0) return { authenticator, messageAuthenticator: 'absent', messageAuthenticatorFirst: false };
  const offset = offsetOfAttribute(reply, index);
  const received = reply.attributes[index]?.[1] ?? Buffer.alloc(0);
  if (received.length !== MA_LENGTH - 2) return { authenticator, messageAuthenticator: 'invalid', messageAuthenticatorFirst: index === 0 };
  // RFC 3579 §3.2: the HMAC covers the reply with the Request Authenticator in the header and the MA zeroed.
  const zeroed = Buffer.from(withRequestAuth);
  zeroed.fill(0, offset + 2, offset + MA_LENGTH);
  const hmac = createHmac('md5', secret).update(zeroed).digest();
  const valid = timingSafeEqual(hmac, received);
  return { authenticator, messageAuthenticator: valid ? 'valid' : 'invalid', messageAuthenticatorFirst: index === 0 };
}

function offsetOfAttribute(reply: Reply, index: number): number {
  let offset = HEADER;
  for (let i = 0; i < index; i += 1) offset += (reply.attributes[i]?.[1].length ?? 0) + 2;
  return offset;
}

/** Text of the first Reply-Message, bounded, if printable. */
export function replyMessage(reply: Reply): string | undefined {
  const value = reply.attributes.find(([type]) => type === ATTRIBUTE.replyMessage)?.[1];
  if (value === undefined) return undefined;
  const text = value.subarray(0, 200).toString('utf8');
  // eslint-disable-next-line no-control-regex
  return /^[^\x00-\x08\x0e-\x1f]*$/.test(text) ? text : undefined;
}
