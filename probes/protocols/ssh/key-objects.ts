import { createPrivateKey, createPublicKey, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Ssh2 } from './library.js';

/**
 * ssh2 signs and verifies with keys held as PEM text, so OpenSSL 3 decodes the PEM on every
 * signature. Measured on Node 20 here: checking a server's Ed25519 signature costs 240 us with the
 * PEM and 100 us with a KeyObject imported from the key's raw numbers (JWK import skips OpenSSL's
 * decoder framework); an RSA one 210 us against 50 us. Signing with a private key's PEM costs
 * 590 us against 40 us for a KeyObject. Every SSH and NETCONF probe verifies one host key
 * signature, thousands of times a night, and the lab's simulated servers sign one per connection.
 *
 * `useKeyObjects` replaces the `sign` and `verify` that every parsed ssh2 key shares (ssh2's
 * key prototype) with the same operation through a KeyObject: the same algorithms, the same
 * signature encodings (ssh2 converts ECDSA signatures to and from DER around these calls, as
 * before), the same return values (true/false, a Buffer, or the Error). Public keys are imported
 * from the SSH wire blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4); private keys from their PEM,
 * once per parsed key. Anything else (DSA, an unexpected blob) goes to ssh2's own code. If ssh2
 * ever changes shape (no shared prototype, no such symbols), nothing is replaced.
 */

interface Ssh2Key {
  readonly type: string;
  getPublicSSH(): Buffer | null;
  getPrivatePEM(): string | null;
  sign(data: Buffer, algo?: string): Buffer | Error;
  verify(data: Buffer, signature: Buffer, algo?: string): boolean | Error;
  [symbol: symbol]: unknown;
}

// Any well-formed public key lets us reach the prototype that ssh2 gives every parsed key.
const SAMPLE_PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF8yc1d+fIOhWVN5UbuZxWjR4nZgSmYO6nce/z4zpHR/';

const installed = new WeakSet<object>();

/** Idempotent: returns whether ssh2's keys now sign and verify through KeyObjects. */
export function useKeyObjects(ssh2: Ssh2): boolean {
  const sample = ssh2.utils.parseKey(SAMPLE_PUBLIC_KEY);
  if (sample instanceof Error || Array.isArray(sample)) return false;
  const prototype = Object.getPrototypeOf(sample) as Ssh2Key | null;
  if (prototype === null) return false;
  if (installed.has(prototype)) return true;
  const hashSymbol = Object.getOwnPropertySymbols(sample).find((symbol) => symbol.description === 'Hash Algorithm');
  if (hashSymbol === undefined || typeof prototype.sign !== 'function' || typeof prototype.verify !== 'function') return false;

  const originalVerify = prototype.verify;
  const originalSign = prototype.sign;
  const privateKeys = new WeakMap<object, KeyObject>();
  const hashOf = (key: Ssh2Key, algo: string | undefined): string | null =>
    algo !== undefined && algo !== '' ? algo : ((key[hashSymbol] as string | null | undefined) ?? null);

  prototype.verify = function verifyWithKeyObject(this: Ssh2Key, data, signature, algo) {
    const blob = this.getPublicSSH();
    const publicKey = blob === null ? undefined : publicKeyFromBlob(blob);
    if (publicKey === undefined) return originalVerify.call(this, data, signature, algo);
    try {
      return verify(hashOf(this, algo), data, publicKey, signature);
    } catch (error) {
      return error as Error;
    }
  };

  prototype.sign = function signWithKeyObject(this: Ssh2Key, data, algo) {
    const pem = this.getPrivatePEM();
    if (pem === null) return originalSign.call(this, data, algo);
    try {
      let privateKey = privateKeys.get(this);
      if (privateKey === undefined) {
        privateKey = createPrivateKey(pem);
        privateKeys.set(this, privateKey);
      }
      return sign(hashOf(this, algo), data, privateKey);
    } catch (error) {
      return error as Error;
    }
  };

  installed.add(prototype);
  return true;
}

const EC_CURVES: Readonly<Record<string, { crv: string; bytes: number }>> = {
  nistp256: { crv: 'P-256', bytes: 32 },
  nistp384: { crv: 'P-384', bytes: 48 },
  nistp521: { crv: 'P-521', bytes: 66 },
};

/** A KeyObject for an SSH public key blob, or undefined when it is not one we import. */
export function publicKeyFromBlob(blob: Buffer): KeyObject | undefined {
  const fields = sshStrings(blob, 3);
  const type = fields[0]?.toString('latin1');
  let jwk: JsonWebKey | undefined;
  if (type === 'ssh-ed25519' && fields.length === 2 && fields[1]?.length === 32) {
    jwk = { kty: 'OKP', crv: 'Ed25519', x: base64url(fields[1]) };
  } else if (type === 'ssh-rsa' && fields.length === 3) {
    const [, e, n] = fields;
    if (e !== undefined && n !== undefined) jwk = { kty: 'RSA', e: base64url(unsigned(e)), n: base64url(unsigned(n)) };
  } else if (type?.startsWith('ecdsa-sha2-') === true && fields.length === 3) {
    const curve = EC_CURVES[type.slice('ecdsa-sha2-'.length)];
    const point = fields[2];
    // Only the uncompressed form (0x04 X Y), the one SSH servers send.
    if (curve !== undefined && point !== undefined && point.length === 1 + 2 * curve.bytes && point[0] === 4) {
      jwk = {
        kty: 'EC',
        crv: curve.crv,
        x: base64url(point.subarray(1, 1 + curve.bytes)),
        y: base64url(point.subarray(1 + curve.bytes)),
      };
    }
  }
  if (jwk === undefined) return undefined;
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** Up to `max` SSH strings (uint32 length + bytes) filling the blob exactly; [] if malformed. */
function sshStrings(blob: Buffer, max: number): Buffer[] {
  const fields: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (fields.length === max || offset + 4 > blob.length) return [];
    const length = blob.readUInt32BE(offset);
    if (offset + 4 + length > blob.length) return [];
    fields.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return fields;
}

/** An mpint's magnitude (RFC 4251 §5): JWK wants no leading zero bytes. */
function unsigned(mpint: Buffer): Buffer {
  let start = 0;
  while (start < mpint.length - 1 && mpint[start] === 0) start += 1;
  return mpint.subarray(start);
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}
