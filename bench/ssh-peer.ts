import { startSshPeer } from '../src/lab/ssh-peer.js';

/**
 * One simulated SSH server of the lab (src/lab/ssh-peer.ts, an ed25519 host key as the lab's
 * elements have), for bench/ssh-probes.ts. Prints `ready PORT FINGERPRINT`; runs until SIGTERM.
 *
 *   node dist/bench/ssh-peer.js
 */
const peer = await startSshPeer({ address: '127.0.0.1', port: 0 });
process.on('SIGTERM', () => {
  void peer.close().finally(() => process.exit(0));
});
process.stdout.write(`ready ${peer.port} ${peer.fingerprint}\n`);
