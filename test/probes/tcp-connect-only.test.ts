import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectThenClose, lingeringSockets } from '../../probes/kit/connect-only.js';
import { handlesAvailable, lingeringHandles } from '../../probes/kit/tcp-handle.js';
import { PhaseClock } from '../../src/core/clock.js';
import { useInternals } from '../../src/core/internals.js';
import { closedTcpPort, floodingTcpPeer, recordingListener, type Peer } from '../support/hostile-peers.js';

/**
 * The tcp probe's connect-and-close (probes/kit/connect-only.ts) on loopback, whichever way this
 * process runs it: net.Socket by default, libuv handles with PSM_NETCHECK_INTERNALS=1 (CI runs the
 * suite both ways). The states behind firewalls and routes are in test/real/tcp-states.test.ts.
 */

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((peer) => peer.close()));
});

function never(): AbortSignal {
  return new AbortController().signal;
}

/** A listener that greets, then records how each connection ended: the client's FIN, or an error (a reset). */
async function greetingPeer(address = '127.0.0.1'): Promise<Peer & { ended: () => Promise<{ fin: boolean; errors: string[] }> }> {
  const endings: Array<Promise<{ fin: boolean; errors: string[] }>> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const errors: string[] = [];
    let fin = false;
    socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
    socket.on('end', () => (fin = true));
    endings.push(new Promise((resolve) => socket.on('close', () => resolve({ fin, errors }))));
    socket.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const peer = {
    port: (server.address() as net.AddressInfo).port,
    ended: async () => {
      await expect.poll(() => endings.length).toBe(1);
      return endings[0] as Promise<{ fin: boolean; errors: string[] }>;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  open.push(peer);
  return peer;
}

describe('connect-only: the tcp probe connects, then closes politely', () => {
  it('uses libuv handles exactly when PSM_NETCHECK_INTERNALS=1 (and Node still has them)', () => {
    // In CI's second pass this fails if a Node release removed or reshaped tcp_wrap: the shortcut
    // would otherwise fall back to the public path without anyone noticing.
    expect(handlesAvailable).toBe(useInternals);
  });

  it('open: connects, reads and discards the greeting, and ends with FIN (the peer sees an orderly close, no reset)', async () => {
    const peer = await greetingPeer();
    const clock = new PhaseClock();
    const result = await connectThenClose('127.0.0.1', peer.port, never(), clock, 65536);
    expect(result).toEqual({ ok: true, ip: '127.0.0.1' });
    expect(clock.done()).toHaveProperty('connect');
    expect(await peer.ended()).toEqual({ fin: true, errors: [] });
    await expect.poll(() => lingeringSockets() + lingeringHandles()).toBe(0);
  });

  it('closed: nothing listens, so refused', async () => {
    const port = await closedTcpPort();
    const result = await connectThenClose('127.0.0.1', port, never(), new PhaseClock(), 65536);
    expect(result).toMatchObject({ ok: false, state: 'closed', reason: 'refused' });
  });

  it('a name: resolved first (phase "resolve"), then connected to the address it gave', async () => {
    const { address } = await lookup('localhost');
    const peer = await greetingPeer(address);
    const clock = new PhaseClock();
    const result = await connectThenClose('localhost', peer.port, never(), clock, 65536);
    expect(result).toEqual({ ok: true, ip: address });
    expect(clock.done()).toHaveProperty('resolve');
  });

  it('a peer that floods after the connect is cut off, and nothing is left open', async () => {
    const peer = await floodingTcpPeer();
    open.push(peer);
    const result = await connectThenClose('127.0.0.1', peer.port, never(), new PhaseClock(), 4096);
    expect(result).toEqual({ ok: true, ip: '127.0.0.1' });
    await expect.poll(() => lingeringSockets() + lingeringHandles()).toBe(0);
  });

  it('an interrupted run: nothing is sent, and the result says "aborted"', async () => {
    const listener = await recordingListener();
    open.push(listener);
    const controller = new AbortController();
    controller.abort(new Error('shutdown'));
    const result = await connectThenClose('127.0.0.1', listener.port, controller.signal, new PhaseClock(), 65536);
    expect(result).toMatchObject({ ok: false, state: 'error', reason: 'aborted' });
    expect(listener.total()).toBe(0);
  });
});
