import net from 'node:net';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { scanIdentification } from '../../probes/protocols/ssh/ident.js';
import { describeHostKey } from '../../probes/protocols/ssh/host-key.js';
import sshProbe from '../../probes/ssh.js';
import { generateHostKey } from '../../src/lab/host-key.js';
import { listenTcp } from '../../src/lab/listen.js';
import { startSshPeer, type SshPeerHandle } from '../../src/lab/ssh-peer.js';
import type { PeerHandle } from '../../src/lab/types.js';
import { TRANSPORT_REASONS } from '../../src/core/transport-reasons.js';
import * as hostile from '../support/hostile-peers.js';
import { runProbe, tcpTarget } from '../support/probe-context.js';

/** A TCP peer that writes `greeting` and records what the client sends and whether it sent FIN. */
interface ScriptedPeer extends PeerHandle {
  readonly received: () => string;
  readonly clientEnded: () => boolean;
}

async function scriptedPeer(greeting: string | Buffer, options: { closeAfterMs?: number } = {}): Promise<ScriptedPeer> {
  let received = '';
  let ended = false;
  const handle = await listenTcp({ address: '127.0.0.1', port: 0 }, (socket) => {
    socket.write(greeting);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('end', () => {
      ended = true;
      socket.end();
    });
    if (options.closeAfterMs !== undefined) setTimeout(() => socket.end(), options.closeAfterMs).unref();
  });
  return { ...handle, received: () => received, clientEnded: () => ended };
}

const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const server = net.createServer();
  server.once('error', () => resolve(false));
  server.listen(0, '::1', () => server.close(() => resolve(true)));
});

describe('ssh probe against an SSH server (ssh2 lab peer)', () => {
  let peer: SshPeerHandle;
  beforeAll(async () => {
    peer = await startSshPeer({ address: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await peer.close();
  });

  it('reads the identification and the host key fingerprint', async () => {
    const facts = await runProbe(sshProbe, tcpTarget(peer.port));
    expect(facts.state).toBe('open');
    expect(facts.reason).toBe('ssh-ok');
    expect(facts.evidence).toMatchObject({
      protoVersion: '2.0',
      software: 'OpenSSH_9.2p1',
      comments: 'Debian-2+deb12u3',
      hostKeyChecked: true,
      hostKeyAlgorithm: 'ssh-ed25519',
      hostKeyFingerprint: peer.fingerprint,
    });
    // The server (ssh2's defaults) offers curve25519 first; the probe prefers the cheaper P-256.
    expect(facts.evidence?.kex).toBe('ecdh-sha2-nistp256');
    expect(facts.timings).toHaveProperty('connect');
    expect(facts.timings).toHaveProperty('banner');
    expect(facts.timings).toHaveProperty('kex');
    expect(facts.bytesRead).toBeGreaterThan(0);
  });

  it('accepts a host key that matches the pin', async () => {
    const facts = await runProbe(sshProbe, tcpTarget(peer.port), { options: { hostKey: peer.fingerprint } });
    expect(facts.reason).toBe('ssh-ok');
    expect(facts.evidence?.hostKeyPinned).toBe(true);
  });

  it('accepts a key that matches one of several pins', async () => {
    const other = generateHostKey().fingerprint;
    const facts = await runProbe(sshProbe, tcpTarget(peer.port), { options: { hostKey: [other, peer.fingerprint] } });
    expect(facts.reason).toBe('ssh-ok');
  });

  it('reports a host key that does not match the pin as changed', async () => {
    const pinned = generateHostKey().fingerprint;
    const facts = await runProbe(sshProbe, tcpTarget(peer.port), { options: { hostKey: pinned } });
    expect(facts.state).toBe('open');
    expect(facts.reason).toBe('host-key-changed');
    expect(facts.message).toContain('host key changed');
    expect(facts.message).toContain(pinned);
    expect(facts.message).toContain(peer.fingerprint);
    expect(facts.evidence).toMatchObject({ hostKeyFingerprint: peer.fingerprint, hostKeyPinned: false });
  });

  it('checks the pin even when checkHostKey is false', async () => {
    const facts = await runProbe(sshProbe, tcpTarget(peer.port), {
      options: { checkHostKey: false, hostKey: generateHostKey().fingerprint },
    });
    expect(facts.reason).toBe('host-key-changed');
  });

  it('fails the key exchange inside the deadline when the byte limit is too small for it', async () => {
    const facts = await runProbe(sshProbe, tcpTarget(peer.port), { maxBytes: 200 });
    expect(facts.reason).toBe('response-too-large');
    expect(facts.bytesRead).toBeLessThanOrEqual(200);
  });

  it.skipIf(!hasIpv6Loopback)('works over IPv6 (::1)', async () => {
    const peer6 = await startSshPeer({ address: '::1', port: 0, hostKey: peer.hostKey });
    try {
      const facts = await runProbe(sshProbe, tcpTarget(peer6.port, '::1'));
      expect(facts.reason).toBe('ssh-ok');
      expect(facts.evidence?.hostKeyFingerprint).toBe(peer.fingerprint);
    } finally {
      await peer6.close();
    }
  });
});

describe('ssh probe with legacy-only servers', () => {
  // A server that offers only SHA-1 key exchange and a CBC cipher, like an old NE.
  let port = 0;
  const hostKey = generateHostKey();
  let server: ssh2.Server;
  beforeAll(async () => {
    server = new ssh2.Server(
      {
        hostKeys: [hostKey.privateKey],
        ident: 'OldNE_1.0',
        algorithms: { kex: ['diffie-hellman-group14-sha1'], cipher: ['aes128-cbc'], hmac: ['hmac-sha1'] },
      },
      (client) => client.on('error', () => undefined),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('gets the host key with legacy algorithms and reports them as a finding', async () => {
    const facts = await runProbe(sshProbe, tcpTarget(port));
    expect(facts.reason).toBe('ssh-ok');
    expect(facts.evidence).toMatchObject({ hostKeyFingerprint: hostKey.fingerprint, kex: 'diffie-hellman-group14-sha1', cipher: 'aes128-cbc' });
    expect(facts.findings?.map((finding) => finding.code)).toContain('ssh-weak-algorithms');
  });

  it('never starts a login, and closes the connection itself', async () => {
    const seen: string[] = [];
    const watcher = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (client) => {
      seen.push('connection');
      client.on('error', () => undefined);
      client.on('authentication', (context) => {
        seen.push(`authentication:${context.method}`);
        context.reject();
      });
      client.on('close', () => seen.push('close'));
    });
    await new Promise<void>((resolve) => watcher.listen(0, '127.0.0.1', () => resolve()));
    try {
      const watched = (watcher.address() as net.AddressInfo).port;
      const facts = await runProbe(sshProbe, tcpTarget(watched));
      expect(facts.reason).toBe('ssh-ok');
      await expect.poll(() => seen).toContain('close');
      expect(seen).toEqual(['connection', 'close']);
    } finally {
      await new Promise<void>((resolve) => watcher.close(() => resolve()));
    }
  });

  it('reports kex-failed with the server algorithms when legacy algorithms are off', async () => {
    const facts = await runProbe(sshProbe, tcpTarget(port), { options: { legacyAlgorithms: false } });
    expect(facts.state).toBe('open');
    expect(facts.reason).toBe('kex-failed');
    expect(facts.message).toMatch(/key exchange failed/);
    expect(String(facts.evidence?.serverAlgorithms)).toContain('diffie-hellman-group14-sha1');
  });
});

describe('ssh probe identification handling (scripted peers)', () => {
  const peers: PeerHandle[] = [];
  const peer = async (greeting: string | Buffer, options?: { closeAfterMs?: number }): Promise<ScriptedPeer> => {
    const started = await scriptedPeer(greeting, options);
    peers.push(started);
    return started;
  };
  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close()));
  });

  it('without a key exchange: sends its own identification, then FIN, and reports the banner', async () => {
    const server = await peer('SSH-2.0-OpenSSH_8.4p1 Debian-5\r\n');
    const facts = await runProbe(sshProbe, tcpTarget(server.port), { options: { checkHostKey: false } });
    expect(facts.reason).toBe('ssh-ok');
    expect(facts.evidence).toMatchObject({ protoVersion: '2.0', software: 'OpenSSH_8.4p1', comments: 'Debian-5', hostKeyChecked: false });
    await expect.poll(() => server.clientEnded()).toBe(true);
    expect(server.received()).toMatch(/^SSH-2\.0-psm_netcheck_[^\s]+\r\n$/);
  });

  it('sends its identification (through ssh2) when it runs the key exchange', async () => {
    const server = await peer('SSH-2.0-Fake_1.0\r\n', { closeAfterMs: 300 });
    const facts = await runProbe(sshProbe, tcpTarget(server.port));
    expect(facts.reason).toBe('kex-failed');
    expect(server.received()).toMatch(/^SSH-2\.0-psm_netcheck_/);
  });

  it('tolerates and reports lines before the identification, and a missing CR', async () => {
    const server = await peer('Authorized use only\r\nSecond line\nSSH-2.0-dropbear_2022.83\n');
    const facts = await runProbe(sshProbe, tcpTarget(server.port), { options: { checkHostKey: false } });
    expect(facts.reason).toBe('ssh-ok');
    expect(facts.evidence).toMatchObject({ software: 'dropbear_2022.83', preamble: ['Authorized use only', 'Second line'] });
    expect(facts.evidence).not.toHaveProperty('comments');
  });

  it('treats 1.99 as 2.0 and flags SSH-1 compatibility', async () => {
    const server = await peer('SSH-1.99-Cisco-1.25\r\n');
    const facts = await runProbe(sshProbe, tcpTarget(server.port), { options: { checkHostKey: false } });
    expect(facts.reason).toBe('ssh-ok');
    expect(facts.evidence).toMatchObject({ protoVersion: '2.0', announcedVersion: '1.99', software: 'Cisco-1.25' });
    expect(facts.findings?.map((finding) => finding.code)).toEqual(['ssh-protocol-1-enabled']);
  });

  it('reports an SSH-1-only server', async () => {
    const server = await peer('SSH-1.5-OldServer\r\n');
    const facts = await runProbe(sshProbe, tcpTarget(server.port));
    expect(facts).toMatchObject({ state: 'open', reason: 'ssh-version-unsupported' });
  });

  it('reports an identification line longer than 255 bytes', async () => {
    const server = await peer(`SSH-2.0-${'x'.repeat(300)}\r\n`);
    const facts = await runProbe(sshProbe, tcpTarget(server.port));
    expect(facts).toMatchObject({ state: 'open', reason: 'bad-identification' });
    expect(facts.message).toContain('255');
  });

  it('reports a malformed identification line', async () => {
    const server = await peer('SSH-2.0\r\n');
    const facts = await runProbe(sshProbe, tcpTarget(server.port));
    expect(facts).toMatchObject({ state: 'open', reason: 'bad-identification' });
  });

  it('reports another protocol that speaks first as not-ssh', async () => {
    const server = await peer('220 ftp.example.net FTP server ready\r\n');
    const facts = await runProbe(sshProbe, tcpTarget(server.port), { timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open', reason: 'not-ssh' });
    expect(facts.evidence?.preamble).toEqual(['220 ftp.example.net FTP server ready']);
  });

  it('reports text followed by a close as closed-before-banner, with the text', async () => {
    const server = await peer('Too many connections\r\n', { closeAfterMs: 20 });
    const facts = await runProbe(sshProbe, tcpTarget(server.port));
    expect(facts).toMatchObject({ state: 'open', reason: 'closed-before-banner' });
    expect(facts.message).toContain('Too many connections');
  });

  it('reports an identification that stops mid-line as incomplete, not as another protocol', async () => {
    const server = await peer('SSH-2.0-OpenSS');
    const facts = await runProbe(sshProbe, tcpTarget(server.port), { timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open', reason: 'incomplete-banner' });
    expect(facts.message).toContain('SSH-2.0-OpenSS');
  });

  it('reports an identification cut off by a close as closed after N bytes', async () => {
    const server = await peer('SSH-2.0-Op', { closeAfterMs: 20 });
    const facts = await runProbe(sshProbe, tcpTarget(server.port));
    expect(facts).toMatchObject({ state: 'open', reason: 'closed-mid-banner' });
    expect(facts.message).toContain('after 10 bytes');
  });

  it('reports a key exchange that never ends as kex-timeout (retryable)', async () => {
    const server = await peer('SSH-2.0-Stuck_1.0\r\n');
    const facts = await runProbe(sshProbe, tcpTarget(server.port), { timeoutMs: 400 });
    expect(facts).toMatchObject({ state: 'open', reason: 'kex-timeout' });
    expect(sshProbe.reasons['kex-timeout']?.retryable).toBe(true);
  });

  it('reports "aborted" when interrupted during the key exchange', async () => {
    const server = await peer('SSH-2.0-Stuck_1.0\r\n');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutdown')), 100).unref();
    const facts = await runProbe(sshProbe, tcpTarget(server.port), { timeoutMs: 30_000, parent: controller.signal });
    expect(facts).toMatchObject({ state: 'error', reason: 'aborted' });
  });
});

describe('ssh probe against hostile peers', () => {
  const started: hostile.Peer[] = [];
  afterAll(async () => {
    await Promise.all(started.map((p) => p.close()));
  });
  const start = async (make: () => Promise<hostile.Peer>): Promise<number> => {
    const p = await make();
    started.push(p);
    return p.port;
  };

  it('silent peer: no-banner, retryable', async () => {
    const facts = await runProbe(sshProbe, tcpTarget(await start(hostile.silentTcpPeer)), { timeoutMs: 300 });
    expect(facts).toMatchObject({ state: 'open', reason: 'no-banner' });
    expect(TRANSPORT_REASONS['no-banner'].retryable).toBe(true);
  });

  it('flooding peer: not-ssh within the byte limit', async () => {
    const facts = await runProbe(sshProbe, tcpTarget(await start(hostile.floodingTcpPeer)), { maxBytes: 4096 });
    expect(facts).toMatchObject({ state: 'open', reason: 'not-ssh' });
    expect(facts.bytesRead).toBeLessThanOrEqual(4096);
  });

  it('garbage peer: not-ssh', async () => {
    const facts = await runProbe(sshProbe, tcpTarget(await start(hostile.garbageTcpPeer)));
    expect(facts).toMatchObject({ state: 'open', reason: 'not-ssh' });
  });

  it('resetting peer: reset-after-connect', async () => {
    const facts = await runProbe(sshProbe, tcpTarget(await start(hostile.resettingTcpPeer)));
    expect(facts).toMatchObject({ state: 'open', reason: 'reset-after-connect' });
  });

  it('closed port: closed/refused', async () => {
    const facts = await runProbe(sshProbe, tcpTarget(await hostile.closedTcpPort()));
    expect(facts).toMatchObject({ state: 'closed', reason: 'refused' });
  });
});

describe('identification scanner', () => {
  const scan = (text: string) => scanIdentification(Buffer.from(text, 'latin1'));

  it('waits for a complete line', () => {
    expect(scan('SS').kind).toBe('incomplete');
    expect(scan('SSH-2.0-Open').kind).toBe('incomplete');
    expect(scan('Hello\r\n').kind).toBe('incomplete');
  });

  it('finds the line after a preamble and says where it starts', () => {
    const result = scan('a\r\nb\r\nSSH-2.0-X_1 c d\r\nKEX');
    expect(result).toMatchObject({ kind: 'found', identStart: 6, ident: { software: 'X_1', comments: 'c d', preamble: ['a', 'b'] } });
  });

  it('keeps a software version with a minus sign (real devices send them)', () => {
    expect(scan('SSH-2.0-Cisco-1.25\r\n')).toMatchObject({ kind: 'found', ident: { software: 'Cisco-1.25' } });
  });

  it('rejects binary preamble, NUL in the line, and non-numeric versions', () => {
    expect(scan('\x00\xff\r\n').kind).toBe('not-ssh');
    expect(scan('SSH-2.0-X\x00Y\r\n').kind).toBe('bad-identification');
    expect(scan('SSH-two-X\r\n').kind).toBe('bad-identification');
  });

  it('accepts exactly 255 bytes with CR LF and rejects 256', () => {
    const ok = `SSH-2.0-${'a'.repeat(255 - 2 - 8)}\r\n`;
    expect(scan(ok).kind).toBe('found');
    expect(scan(`SSH-2.0-${'a'.repeat(255 - 2 - 7)}\r\n`).kind).toBe('bad-identification');
  });

  it('names the key type of a host key blob', () => {
    const key = generateHostKey();
    const blob = Buffer.from(key.publicKey.split(' ')[1] ?? '', 'base64');
    expect(describeHostKey(blob)).toEqual({ algorithm: 'ssh-ed25519', fingerprint: key.fingerprint });
  });
});

describe('ssh probe options', () => {
  it('has a documented default for every option', () => {
    expect(sshProbe.optionsSchema.parse({})).toEqual({ checkHostKey: true, hostKey: [], legacyAlgorithms: true });
    expectDocumentedOptions(sshProbe.optionsSchema);
  });

  it('rejects a malformed pin and unknown options', () => {
    expect(sshProbe.optionsSchema.safeParse({ hostKey: 'MD5:aa:bb' }).success).toBe(false);
    expect(sshProbe.optionsSchema.safeParse({ hostkey: 'SHA256:x' }).success).toBe(false);
    expect(sshProbe.optionsSchema.safeParse({ hostKey: `SHA256:${'A'.repeat(43)}` }).success).toBe(true);
  });
});

function expectDocumentedOptions(schema: z.ZodType): void {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, { description?: string; default?: unknown }> };
  for (const [key, property] of Object.entries(json.properties ?? {})) {
    expect(property.description, `${key} has a description`).toBeTruthy();
    expect(property.default, `${key} has a default`).not.toBeUndefined();
  }
}
