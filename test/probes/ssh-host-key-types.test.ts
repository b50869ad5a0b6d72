import ssh2, { type ParsedKey } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { loadSsh2 } from '../../probes/protocols/ssh/library.js';
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
function keyPair(type: 'ed25519' | 'ecdsa' | 'rsa', options: { bits?: number }): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync(type as 'ed25519', options as object);
    if (ssh2.utils.parseKey(pair.private) instanceof Error || ssh2.utils.parseKey(pair.public) instanceof Error) continue;
    return pair;
  }
}

describe('ssh2 through its public API', () => {
  it('is loaded by the probes and the lab without changing its keys (their sign and verify are its own)', async () => {
    const loaded = await loadSsh2();
    expect(loaded.ok).toBe(true);
    const parsed = ssh2.utils.parseKey(keyPair('ed25519', {}).public) as ParsedKey;
    const shared = Object.getPrototypeOf(parsed) as { sign: () => unknown; verify: () => unknown };
    // ssh2 1.17 names them so; a wrapper installed over them would carry another name.
    expect(shared.verify.name).toBe('verify');
    expect(shared.sign.name).toBe('sign');
    expect(Object.getOwnPropertyNames(parsed)).not.toContain('verify');
  });

  for (const { name, type, options } of KEY_TYPES) {
    it(`${name}: the ssh probe completes a real key exchange (ssh2 server on loopback) and reports the key`, async () => {
      const pair = keyPair(type, options);
      const peer = await startSshPeer({
        address: '127.0.0.1',
        port: 0,
        hostKey: { privateKey: pair.private, publicKey: pair.public, fingerprint: fingerprintOf(pair.public) },
      });
      try {
        const facts = await runProbe(sshProbe, tcpTarget(peer.port));
        expect(facts.reason).toBe('ssh-ok');
        expect(facts.evidence).toMatchObject({ hostKeyChecked: true, hostKeyFingerprint: fingerprintOf(pair.public) });
      } finally {
        await peer.close();
      }
    });
  }
});
