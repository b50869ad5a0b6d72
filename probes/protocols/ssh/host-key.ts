import { createHash } from 'node:crypto';
import { z } from 'zod';

/** An SSH host key as the probe reports it. */
export interface HostKeyInfo {
  /** The key type named inside the blob, e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  readonly algorithm: string;
  /** OpenSSH's form, as `ssh-keygen -l` prints it: `SHA256:` + unpadded base64 of SHA-256(blob). */
  readonly fingerprint: string;
}

/** What the inventory pins: `SHA256:` and 43 base64 characters (a trailing `=` is tolerated). */
export const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

export const fingerprintSchema = z
  .string()
  .regex(FINGERPRINT_PATTERN, 'an OpenSSH fingerprint like SHA256:abc... (from ssh-keygen -l or a previous report)');

/** Reads the key blob that the server sent in its key exchange reply (RFC 4253 §6.6). */
export function describeHostKey(blob: Buffer): HostKeyInfo {
  return { algorithm: blobAlgorithm(blob), fingerprint: fingerprintOfBlob(blob) };
}

export function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The pins of an option that takes one fingerprint or a list, without padding. */
export function normalizePins(pins: string | readonly string[]): readonly string[] {
  return (typeof pins === 'string' ? [pins] : pins).map((pin) => pin.replace(/=+$/, ''));
}

/** The first SSH `string` of the blob: the key type. */
function blobAlgorithm(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return 'unknown';
  const name = blob.subarray(4, 4 + length).toString('latin1');
  return /^[\x21-\x7e]+$/.test(name) ? name : 'unknown';
}
