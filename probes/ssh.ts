import { z } from 'zod';
import { PhaseClock } from '../src/core/clock.js';
import { libraryFailureFacts } from './kit/lazy-module.js';
import { openSshConnection } from './protocols/ssh/connection.js';
import { loadSsh2 } from './protocols/ssh/library.js';
import { checkSshTransport, SSH_TRANSPORT_REASONS, sshTransportOptionFields } from './protocols/ssh/transport.js';
import { defineProbe } from '../src/core/probe.js';

/**
 * SSH banner and host key (CLI over SSH 22/8022, shell 2024, SFTP 22, TL1 over SSH 3021/3022):
 * reads the server's identification line off the socket (RFC 4253 §4.2), runs the key exchange
 * through ssh2 on the same connection to learn the host key and its fingerprint, checks it against
 * the inventory's pin, and leaves with a DISCONNECT and FIN. Never tries a login.
 *
 * Evidence: protoVersion ('2.0'; announcedVersion '1.99' when so), software, comments, preamble
 * (lines before the identification), hostKeyChecked, hostKeyAlgorithm, hostKeyFingerprint,
 * hostKeyPinned (with a pin), kex, cipher, mac; serverAlgorithms when the key exchange failed.
 * Findings: ssh-protocol-1-enabled, ssh-weak-algorithms.
 */
const sshProbe = defineProbe({
  kind: 'ssh',
  transport: 'tcp',
  summary: 'SSH identification line, host key fingerprint (checked against a pin) and key exchange, without login',
  // Only a public host key is at stake here, so old devices get the legacy algorithms by default.
  optionsSchema: z.object(sshTransportOptionFields({ legacyAlgorithms: true, logsIn: false })).strict(),
  reasons: {
    'ssh-ok': { outcome: 'ok', summary: 'an SSH-2 server answered and completed the key exchange' },
    ...SSH_TRANSPORT_REASONS,
  },
  async prepare() {
    await loadSsh2();
  },
  async run(target, ctx) {
    // Before the clock starts: only the first probe of the process waits for it, and not on the network.
    const ssh2 = await loadSsh2();
    const clock = new PhaseClock();
    if (!ssh2.ok) return libraryFailureFacts(ssh2, clock);
    const opened = await openSshConnection(target, ctx, clock);
    if (!opened.ok) return opened.facts;
    return checkSshTransport(ssh2.module, opened.value, ctx, clock, ctx.options);
  },
});

export default sshProbe;
