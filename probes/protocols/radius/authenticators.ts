import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The keyed digests that authenticate a RADIUS packet, on whole packets (header at offset 0).
 * Client and server compute the same ones, so both use these:
 * - Response Authenticator (RFC 2865 §3): MD5(Code+ID+Length+RequestAuth+Attributes+Secret);
 *   the Accounting-Request Authenticator (RFC 2866 §3) is the same digest with 16 zero octets in
 *   place of the RequestAuth.
 * - Message-Authenticator (RFC 3579 §3.2): HMAC-MD5 keyed with the secret over the packet with a
 *   given authenticator in the header and the attribute's own 16 octets zeroed.
 */

/** Offset and size of the authenticator in the header (RFC 2865 §3). */
export const AUTHENTICATOR_OFFSET = 4;
export const AUTHENTICATOR_LENGTH = 16;
/** Type, length and 16 octets of HMAC-MD5 (RFC 3579 §3.2). */
export const MESSAGE_AUTHENTICATOR_LENGTH = 18;

export const ZERO_AUTHENTICATOR: Buffer = Buffer.alloc(AUTHENTICATOR_LENGTH);

/** MD5 over `packet` with `authenticator` in its header, then the secret. */
export function packetDigest(packet: Buffer, authenticator: Buffer, secret: Buffer): Buffer {
  const copy = Buffer.from(packet);
  authenticator.copy(copy, AUTHENTICATOR_OFFSET);
  return createHash('md5').update(copy).update(secret).digest();
}

/**
 * The Message-Authenticator value for the attribute at `offset` (its type octet): HMAC-MD5 over
 * `packet` with `authenticator` in the header and the value zeroed.
 */
export function messageAuthenticatorDigest(packet: Buffer, offset: number, authenticator: Buffer, secret: Buffer): Buffer {
  const copy = Buffer.from(packet);
  authenticator.copy(copy, AUTHENTICATOR_OFFSET);
  copy.fill(0, offset + 2, offset + MESSAGE_AUTHENTICATOR_LENGTH);
  return createHmac('md5', secret).update(copy).digest();
}

/** Constant-time comparison that is false, not an exception, for different lengths. */
export function sameDigest(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}
