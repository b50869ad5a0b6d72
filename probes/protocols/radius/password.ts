import { createHash } from 'node:crypto';

/**
 * User-Password hiding (RFC 2865 §5.2): the password, NUL-padded to a multiple of 16 octets (at
 * most 128), XORed block by block with MD5(secret + previous), where "previous" is the Request
 * Authenticator for the first block and the previous hidden block after it. The client hides,
 * the server reveals; both walk the same chain.
 */

const BLOCK = 16;
const MAX_HIDDEN = 128;

export function hidePassword(password: Buffer, secret: Buffer, authenticator: Buffer): Buffer {
  const padded = Buffer.alloc(Math.min(MAX_HIDDEN, Math.max(BLOCK, Math.ceil(password.length / BLOCK) * BLOCK)));
  password.copy(padded, 0, 0, padded.length);
  return xorChain(padded, secret, authenticator, 'hide');
}

/**
 * The password in a hidden User-Password, NUL padding removed; undefined when the value cannot be
 * one (not 16 to 128 octets in whole blocks). With the wrong secret the result is garbage, not
 * an error: only the comparison with the expected password tells.
 */
export function revealPassword(hidden: Buffer, secret: Buffer, authenticator: Buffer): Buffer | undefined {
  if (hidden.length < BLOCK || hidden.length > MAX_HIDDEN || hidden.length % BLOCK !== 0) return undefined;
  const plain = xorChain(hidden, secret, authenticator, 'reveal');
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end -= 1;
  return plain.subarray(0, end);
}

function xorChain(input: Buffer, secret: Buffer, authenticator: Buffer, direction: 'hide' | 'reveal'): Buffer {
  const output = Buffer.alloc(input.length);
  let previous = authenticator;
  for (let offset = 0; offset < input.length; offset += BLOCK) {
    const mask = createHash('md5').update(secret).update(previous).digest();
    for (let i = 0; i < BLOCK; i += 1) output[offset + i] = (input[offset + i] ?? 0) ^ (mask[i] ?? 0);
    // The chain always continues from the hidden block: ours when hiding, the received one when revealing.
    previous = (direction === 'hide' ? output : input).subarray(offset, offset + BLOCK);
  }
  return output;
}
