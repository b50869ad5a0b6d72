import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeDefinition } from '../../src/core/probe.js';
import ftp from '../../probes/ftp.js';
import ssh from '../../probes/ssh.js';
import type { Peer } from '../support/hostile-peers.js';
import { runProbe, tcpTarget } from '../support/probe-context.js';

/**
 * A peer that sends `prefix` and then floods as fast as the connection takes it, counting the
 * bytes the kernel accepted from it until the connection ends.
 */
interface FloodPeer extends Peer {
  /** Bytes written so far on the (first) connection. */
  flushed(): number;
  /** Resolves with the bytes written when the connection has ended. */
  readonly ended: Promise<number>;
}

async function floodPeer(prefix: string): Promise<FloodPeer> {
  let flushed = 0;
  let resolveEnded: (bytes: number) => void = () => undefined;
  const ended = new Promise<number>((resolve) => (resolveEnded = resolve));
  const sockets = new Set<net.Socket>();
  // allowHalfOpen: the client's FIN does not end the flood; only a reset (or the test) does.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => resolveEnded(flushed));
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const count = (bytes: number) => (error?: Error | null) => {
      if (!error) flushed += bytes;
    };
    socket.write(prefix, count(prefix.length));
    const pump = (): void => {
      while (!socket.destroyed && socket.write(chunk, count(chunk.length)));
      if (!socket.destroyed) socket.once('drain', pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    flushed: () => flushed,
    ended,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

/**
 * The byte budget holds after the probe's result too: the polite close (FIN, then a short drain
 * while the peer closes) stops at what is left of the budget. A flooding peer used to be read
 * for the whole grace, tens of megabytes after the probe had finished.
 */
describe('the byte budget outlasts the result (a flooding peer is cut off, not drained)', () => {
  // Whatever the kernel buffers hold when the connection is cut is the peer's, not read by the
  // probe; a few megabytes on loopback. Draining the flood for the grace took tens of megabytes.
  const AFTER_RESULT_MAX = 8 * 1024 * 1024;

  const PROBES: Readonly<Record<string, ProbeDefinition<unknown>>> = {
    ssh: ssh as ProbeDefinition<unknown>,
    ftp: ftp as ProbeDefinition<unknown>,
  };

  it.each([
    ['ssh', 'no line end at all: not-ssh after one long line', ''],
    ['ssh', 'text lines after a preamble line', 'Welcome\r\n'],
    ['ftp', 'a greeting, then a flood instead of the QUIT answer', '220 Ready\r\n'],
  ] as const)('%s: %s', async (kind, _what, prefix) => {
    const peer = await floodPeer(prefix);
    peers.push(peer);
    const facts = await runProbe(PROBES[kind] as ProbeDefinition<unknown>, tcpTarget(peer.port), { maxBytes: 64 * 1024, timeoutMs: 5000 });
    const atResult = peer.flushed();
    const total = await peer.ended;
    expect(facts.bytesRead ?? 0).toBeLessThanOrEqual(64 * 1024);
    expect(total - atResult).toBeLessThan(AFTER_RESULT_MAX);
  });
});
