import crypto from 'node:crypto';
import ssh2, { type ParsedKey } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { publicKeyFromBlob, useKeyObjects } from '../../probes/protocols/ssh/key-objects.js';
import { loadSsh2 } from '../../probes/protocols/ssh/library.js';
import { useInternals } from '../../src/core/internals.js';
import sshProbe from '../../probes/ssh.js';
import { fingerprintOf } from '../../src/lab/host-key.js';
import { startSshPeer } from '../../src/lab/ssh-peer.js';
import { runProbe, tcpTarget } from '../support/probe-context.js';


const KEY_TYPES = [
  { name: 'ed25519', type: 'ed25519', options: {} },
  { name: 'ecdsa P-256', type: 'ecdsa', options: { bits: 256 } },
  { name: 'ecdsa P-384', type: 'ecdsa', options: { bits: 384 } },
  { name: 'ecdsa P-521', type: 'ecdsa', options: { bits: 521 } },
  { name: 'rsa 2048', type: 'rsa', options: { bits: 2048 } },
] as const;

/** A key pair that ssh2 can parse back (ssh2 1.17 fails on ed25519 keys with a leading zero byte). */
function keyPair(type: 'ed25519' | 'ecdsa' | 'rsa', options: { bits?: number }): { private: ParsedKey; public: ParsedKey; lines: { private: string; public: string } } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync(type as 'ed25519', options as object);
    const parsedPrivate = ssh2.utils.parseKey(pair.private);
    const parsedPublic = ssh2.utils.parseKey(pair.public);
    if (parsedPrivate instanceof Error || parsedPublic instanceof Error) continue;
    return { private: parsedPrivate as ParsedKey, public: parsedPublic as ParsedKey, lines: pair };
  }
}

/** What ssh2 itself computes: node:crypto on the key's PEM. */
function referenceVerify(key: ParsedKey, data: Buffer, signature: Buffer, hash: string | null): boolean {
  return crypto.verify(hash, data, key.getPublicPEM(), signature);
}

const hashOf = (type: string): string | null =>
  type === 'ssh-ed25519' ? null : type === 'ssh-rsa' ? 'sha1' : type.endsWith('nistp256') ? 'sha256' : type.endsWith('nistp384') ? 'sha384' : 'sha512';

describe('ssh2 keys sign and verify through KeyObjects', () => {
  it('is installed once the probes load ssh2 (with PSM_NETCHECK_INTERNALS=1), and installing again changes nothing', async () => {
    const loaded = await loadSsh2();
    expect(loaded.ok).toBe(true);
    expect((ssh2.utils.parseKey(keyPair('ed25519', {}).lines.public) as ParsedKey).verify.name).toBe(useInternals ? 'verifyWithKeyObject' : 'verify');
    useKeyObjects(ssh2);
    const sample = ssh2.utils.parseKey(keyPair('ed25519', {}).lines.public) as ParsedKey;
    const verifyBefore = sample.verify;
    expect(verifyBefore.name).toBe('verifyWithKeyObject');
    expect(useKeyObjects(ssh2)).toBe(true);
    expect((ssh2.utils.parseKey(keyPair('ed25519', {}).lines.public) as ParsedKey).verify).toBe(verifyBefore);
  });

  for (const { name, type, options } of KEY_TYPES) {
    it(`${name}: the same answers as ssh2's own code, for good and bad signatures`, () => {
      useKeyObjects(ssh2);
      const pair = keyPair(type, options);
      const other = keyPair(type, options);
      const data = crypto.randomBytes(32);
      const signature = pair.private.sign(data);
      expect(Buffer.isBuffer(signature)).toBe(true);
      const hash = hashOf(pair.public.type);
      // The signature made through a KeyObject is one that ssh2's PEM path accepts, and back.
      expect(referenceVerify(pair.public, data, signature as Buffer, hash)).toBe(true);
      expect(pair.public.verify(data, signature as Buffer)).toBe(true);
      const pemSignature = crypto.sign(hash, data, pair.private.getPrivatePEM());
      expect(pair.public.verify(data, pemSignature)).toBe(true);

      const tampered = Buffer.from(signature as Buffer);
      tampered[tampered.length - 1]! ^= 1;
      expect(pair.public.verify(data, tampered)).toBe(referenceVerify(pair.public, data, tampered, hash));
      expect(pair.public.verify(data, tampered)).not.toBe(true);
      expect(other.public.verify(data, signature as Buffer)).toBe(false);
      expect(pair.public.verify(crypto.randomBytes(32), signature as Buffer)).toBe(false);
    });
  }

  it('rsa: the hash that ssh2 passes for rsa-sha2-256 and rsa-sha2-512 is used', () => {
    useKeyObjects(ssh2);
    const pair = keyPair('rsa', { bits: 2048 });
    const data = crypto.randomBytes(32);
    for (const hash of ['sha256', 'sha512']) {
      const signature = pair.private.sign(data, hash) as Buffer;
      expect(crypto.verify(hash, data, pair.public.getPublicPEM(), signature)).toBe(true);
      expect(pair.public.verify(data, signature, hash)).toBe(true);
      expect(pair.public.verify(data, signature, hash === 'sha256' ? 'sha512' : 'sha256')).toBe(false);
    }
  });

  it('a key without a private half still says so, as ssh2 did', () => {
    useKeyObjects(ssh2);
    const result = keyPair('ed25519', {}).public.sign(Buffer.from('x'));
    expect(result).toBeInstanceOf(Error);
  });

  it('imports only well-formed blobs; anything else is left to ssh2', () => {
    const blob = keyPair('ed25519', {}).public.getPublicSSH();
    expect(publicKeyFromBlob(blob)?.asymmetricKeyType).toBe('ed25519');
    expect(publicKeyFromBlob(keyPair('ecdsa', { bits: 256 }).public.getPublicSSH())?.asymmetricKeyType).toBe('ec');
    expect(publicKeyFromBlob(keyPair('rsa', { bits: 2048 }).public.getPublicSSH())?.asymmetricKeyType).toBe('rsa');
    expect(publicKeyFromBlob(blob.subarray(0, blob.length - 1))).toBeUndefined();
    expect(publicKeyFromBlob(Buffer.concat([blob, Buffer.from([0, 0, 0, 0])]))).toBeUndefined();
    expect(publicKeyFromBlob(Buffer.alloc(0))).toBeUndefined();
    expect(publicKeyFromBlob(Buffer.from([0xff, 0xff, 0xff, 0xff, 1]))).toBeUndefined();
    const dss = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-dss'), Buffer.from([0, 0, 0, 1, 5])]);
    expect(publicKeyFromBlob(dss)).toBeUndefined();
    // An ECDSA point that is not on the curve: OpenSSL refuses it, and so do we.
    const ec = keyPair('ecdsa', { bits: 256 }).public.getPublicSSH();
    const offCurve = Buffer.from(ec);
    offCurve[offCurve.length - 1]! ^= 1;
    expect(publicKeyFromBlob(offCurve)).toBeUndefined();
  });

  for (const { name, type, options } of KEY_TYPES) {
    it(`${name}: the ssh probe completes a real key exchange (ssh2 server on loopback) and reports the key`, async () => {
      const pair = keyPair(type, options);
      const peer = await startSshPeer({
        address: '127.0.0.1',
        port: 0,
        hostKey: { privateKey: pair.lines.private, publicKey: pair.lines.public, fingerprint: fingerprintOf(pair.lines.public) },
      });
      try {
        const facts = await runProbe(sshProbe, tcpTarget(peer.port));
        expect(facts.reason).toBe('ssh-ok');
        expect(facts.evidence).toMatchObject({ hostKeyChecked: true, hostKeyFingerprint: fingerprintOf(pair.lines.public) });
      } finally {
        await peer.close();
      }
    });
  }
});
