import dgram from 'node:dgram';
import net from 'node:net';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * Listening helpers shared by the peers: each binds one address and port, keeps track of its open
 * connections and, on close, destroys them, so that `close()` never waits for a client that keeps
 * its socket open (a silent peer's clients would otherwise hold the lab open for ever).
 */

export type ConnectionHandler = (socket: net.Socket) => void;

/** Listens on TCP and hands every accepted socket to `onConnection`. */
export async function listenTcp(endpoint: PeerEndpoint, onConnection: ConnectionHandler): Promise<PeerHandle> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A peer that resets mid-exchange is normal traffic for a lab; never let it crash the process.
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: endpoint.address, port: endpoint.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const bound = server.address() as net.AddressInfo;
  return {
    address: endpoint.address,
    port: bound.port,
    transport: 'tcp',
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

export type DatagramHandler = (message: Buffer, remote: dgram.RemoteInfo, socket: dgram.Socket) => void;

/** Binds a UDP socket and hands every datagram to `onMessage`. */
export async function bindUdp(endpoint: PeerEndpoint, onMessage: DatagramHandler): Promise<PeerHandle> {
  const socket = dgram.createSocket({ type: net.isIPv6(endpoint.address) ? 'udp6' : 'udp4', reuseAddr: false });
  socket.on('message', (message, remote) => onMessage(message, remote, socket));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: endpoint.address, port: endpoint.port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // Send errors (e.g. the client's port closed meanwhile) must not crash the lab.
  socket.on('error', () => undefined);
  return {
    address: endpoint.address,
    port: socket.address().port,
    transport: 'udp',
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** Closes handles in parallel; one that fails to close does not keep the others open. */
export async function closeAll(handles: Iterable<{ close(): Promise<void> }>): Promise<void> {
  await Promise.allSettled([...handles].map((handle) => handle.close()));
}
