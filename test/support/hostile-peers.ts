import dgram from 'node:dgram';
import net from 'node:net';

/**
 * Misbehaving peers on loopback, shared by the conformance suite and protocol tests.
 * Each returns its port and a close().
 */
export interface Peer {
  readonly port: number;
  close(): Promise<void>;
}

function tcpPeer(onConnection: (socket: net.Socket) => void): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Accepts and never says a word (a hung service, or a tarpit). */
export const silentTcpPeer = (): Promise<Peer> => tcpPeer(() => undefined);

/** Accepts and sends bytes without ever a newline or a delimiter, as fast as it can. */
export const floodingTcpPeer = (): Promise<Peer> =>
  tcpPeer((socket) => {
    const chunk = Buffer.alloc(16 * 1024, 0x41);
    const pump = (): void => {
      while (!socket.destroyed && socket.write(chunk));
      if (!socket.destroyed) socket.once('drain', pump);
    };
    pump();
  });

/** Accepts, sends binary garbage lines, reads whatever comes, then closes. */
export const garbageTcpPeer = (): Promise<Peer> =>
  tcpPeer((socket) => {
    socket.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x47, 0x41, 0x52, 0x42, 0x41, 0x47, 0x45, 0x0d, 0x0a]));
    socket.on('data', () => socket.write('\x00\x01\x02 nonsense\r\n'));
    setTimeout(() => socket.end(), 200).unref();
  });

/** Accepts and resets the connection at once (TCP wrappers, MaxStartups). */
export const resettingTcpPeer = (): Promise<Peer> => tcpPeer((socket) => socket.resetAndDestroy());

/** A TCP port with nothing listening: bind, note the port, close. */
export async function closedTcpPort(): Promise<number> {
  const peer = await tcpPeer(() => undefined);
  await peer.close();
  return peer.port;
}

function udpPeer(onMessage: (socket: dgram.Socket, message: Buffer, rinfo: dgram.RemoteInfo) => void): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, rinfo) => onMessage(socket, message, rinfo));
  return new Promise((resolve) => {
    socket.bind(0, '127.0.0.1', () => {
      resolve({ port: socket.address().port, close: () => new Promise((done) => socket.close(() => done())) });
    });
  });
}

/** Receives datagrams and never answers. */
export const silentUdpPeer = (): Promise<Peer> => udpPeer(() => undefined);

/** Answers every datagram with random bytes. */
export const garbageUdpPeer = (): Promise<Peer> =>
  udpPeer((socket, _message, rinfo) => socket.send(Buffer.from('\x30\x03garbage\xff\x00'), rinfo.port, rinfo.address));

/** Answers every datagram with 60 KB, to test byte limits. */
export const floodingUdpPeer = (): Promise<Peer> =>
  udpPeer((socket, _message, rinfo) => socket.send(Buffer.alloc(60_000, 0x41), rinfo.port, rinfo.address));

/** A UDP port with nothing bound (loopback answers ICMP port unreachable). */
export async function closedUdpPort(): Promise<number> {
  const peer = await silentUdpPeer();
  await peer.close();
  return peer.port;
}

/**
 * A loopback listener that records how many connections it holds at once and at most. `silent`
 * holds each one without a word (a hung FTP server), so that a probe of it lasts its timeout.
 */
export async function recordingListener(silent = false) {
  let open = 0;
  let peak = 0;
  let total = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    total++;
    peak = Math.max(peak, ++open);
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      open--;
      sockets.delete(socket);
    });
    if (!silent) socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    peak: () => peak,
    total: () => total,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
