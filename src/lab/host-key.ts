import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

/** An SSH host key for a simulated peer, with the fingerprint an inventory would pin. */
export interface LabHostKey {
  /** OpenSSH private key (PEM-like text), as ssh2's Server takes it. */
  readonly privateKey: string;
  /** The `ssh-ed25519 AAAA...` line, as `ssh-keyscan` prints it. */
  readonly publicKey: string;
  /** OpenSSH style: `SHA256:` + base64(SHA-256(key blob)) without padding, as `ssh-keygen -l` shows. */
  readonly fingerprint: string;
}

/** Generates an ed25519 host key (fast: well under a millisecond, so one per simulated host is fine). */
export function generateHostKey(): LabHostKey {
  const pair = ssh2.utils.generateKeyPairSync('ed25519');
  return { privateKey: pair.private, publicKey: pair.public, fingerprint: fingerprintOf(pair.public) };
}

/** Fingerprint of an OpenSSH public key line (`type base64 [comment]`). */
export function fingerprintOf(publicKeyLine: string): string {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (blob === undefined) throw new Error('not an OpenSSH public key line');
  return fingerprintOfBlob(Buffer.from(blob, 'base64'));
}

/** Fingerprint of a raw public key blob (what ssh2's client `hostVerifier` receives). */
export function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
