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

/**
 * Generates an ed25519 key (cheap enough for one per simulated host: docs/benchmarks.md,
 * "Figures behind the code"). ssh2 1.17 strips leading zero bytes from the public key, so about
 * 1 key in 256 cannot be parsed back (mscdex/ssh2#1513). Such a key is drawn again: the chance
 * that ten in a row are bad is about 1 in 10^24.
 */
export function generateHostKey(): LabHostKey {
  for (let attempt = 0; attempt < 10; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (ssh2.utils.parseKey(pair.private) instanceof Error || ssh2.utils.parseKey(pair.public) instanceof Error) continue;
    return { privateKey: pair.private, publicKey: pair.public, fingerprint: fingerprintOf(pair.public) };
  }
  throw new Error('ssh2 produced ten unparsable ed25519 keys in a row');
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
