import net from 'node:net';
import type { Peer } from './hostile-peers.js';

/** A loopback TCP peer whose behaviour per connection is a script; it keeps what clients sent. */
export interface ScriptedPeer extends Peer {
  /** Bytes received, per connection, in connection order. */
  readonly received: Buffer[];
  /** Resolves when the nth connection (0-based) has closed. */
  closed(index: number): Promise<void>;
}

export function scriptedTcpPeer(
  onConnection: (socket: net.Socket, index: number) => void,
  host = '127.0.0.1',
): Promise<ScriptedPeer> {
  const sockets = new Set<net.Socket>();
  const received: Buffer[] = [];
  const closings: Promise<void>[] = [];
  const server = net.createServer((socket) => {
    const index = received.length;
    received.push(Buffer.alloc(0));
    sockets.add(socket);
    closings.push(new Promise((done) => socket.on('close', () => done())));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      received[index] = Buffer.concat([received[index] ?? Buffer.alloc(0), chunk]);
    });
    onConnection(socket, index);
  });
  return new Promise((resolve) => {
    server.listen(0, host, () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        received,
        closed: (index) => closings[index] ?? Promise.reject(new Error(`no connection ${index}`)),
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Resolves on the next `data` event whose accumulated text includes `needle`. */
export function waitFor(socket: net.Socket, needle: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (text.includes(needle)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
  });
}
