import dgram from 'node:dgram';
import net from 'node:net';

/**
 * Misbehaving loopback peers that also watch the probe from the far side: what it connected, what
 * it sent, how many bytes the peer managed to hand it, and when it let go. The conformance suite
 * judges a probe by these observations, never only by what the probe says about itself.
 */

export type TcpBehaviour =
  /** Accepts and never says a word (a hung service, or a tarpit). */
  | 'silent'
  /** Sends binary garbage lines, answers anything with more, closes after 200 ms. */
  | 'garbage'
  /** Sends bytes without a newline or a delimiter as fast as the probe takes them, forever. */
  | 'flood'
  /** Resets the connection at once (TCP wrappers, MaxStartups). */
  | 'reset';

export interface TcpConnection {
  /** Bytes the kernel took from this peer for the probe (written, not merely queued). */
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** The probe closed its side (FIN or RST) or the connection broke. */
  readonly ended: boolean;
  /** Resolves when `ended` turns true. */
  readonly whenEnded: Promise<void>;
}

export interface WatchedTcpPeer {
  readonly port: number;
  readonly connections: readonly TcpConnection[];
  /** Resolves at the probe's first connection. */
  readonly firstContact: Promise<void>;
  close(): Promise<void>;
}

const FLOOD_CHUNK = Buffer.alloc(16 * 1024, 0x41);
const GARBAGE = Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x47, 0x41, 0x52, 0x42, 0x41, 0x47, 0x45, 0x0d, 0x0a]);

/**
 * `floodLimit`: a flooding peer stops writing (and holds the connection) once it has handed over
 * more than this; a probe that took that much has shown what it does, and reading on would only
 * burn CPU until its deadline.
 */
export async function watchedTcpPeer(behaviour: TcpBehaviour, floodLimit = Number.POSITIVE_INFINITY): Promise<WatchedTcpPeer> {
  const sockets = new Set<net.Socket>();
  const connections: TcpConnection[] = [];
  let contact!: () => void;
  const firstContact = new Promise<void>((resolve) => (contact = resolve));
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let ended!: () => void;
    const connection = { bytesSent: 0, bytesReceived: 0, ended: false, whenEnded: new Promise<void>((resolve) => (ended = resolve)) };
    connections.push(connection);
    contact();
    const end = (): void => {
      connection.ended = true;
      ended();
    };
    socket.on('error', end);
    socket.on('end', end);
    socket.on('close', () => {
      sockets.delete(socket);
      end();
    });
    // Always read what the probe sends: a paused peer would never see the probe's FIN.
    socket.on('data', (chunk: Buffer) => {
      connection.bytesReceived += chunk.length;
      if (behaviour === 'garbage') socket.write('\x00\x01\x02 nonsense\r\n');
    });
    switch (behaviour) {
      case 'silent':
        break;
      case 'garbage':
        socket.write(GARBAGE);
        setTimeout(() => socket.end(), 200).unref();
        break;
      case 'reset':
        socket.resetAndDestroy();
        break;
      case 'flood': {
        const sent = (error?: Error | null): void => {
          if (!error) connection.bytesSent += FLOOD_CHUNK.length;
        };
        const pump = (): void => {
          while (!socket.destroyed && connection.bytesSent <= floodLimit && socket.write(FLOOD_CHUNK, sent));
          if (!socket.destroyed && connection.bytesSent <= floodLimit) socket.once('drain', pump);
        };
        pump();
        break;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    firstContact,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

/**
 * Bytes a flooding peer can hand to a probe that reads none of them: the kernel's send and
 * receive buffers on loopback plus what Node reads ahead. Measured once per process with a client
 * that never reads, so that the byte-budget check allows for exactly this machine's buffers.
 */
export function loopbackBuffering(): Promise<number> {
  buffering ??= measureBuffering();
  return buffering;
}

let buffering: Promise<number> | undefined;

async function measureBuffering(): Promise<number> {
  const peer = await watchedTcpPeer('flood');
  const client = net.connect(peer.port, '127.0.0.1');
  client.on('error', () => undefined);
  try {
    await peer.firstContact;
    // The peer stops when the buffers are full; a few quiet polls in a row mean they are.
    let last = -1;
    for (let quiet = 0, polls = 0; quiet < 3 && polls < 200; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const sent = peer.connections[0]?.bytesSent ?? 0;
      quiet = sent === last ? quiet + 1 : 0;
      last = sent;
    }
    return last;
  } finally {
    client.destroy();
    await peer.close();
  }
}

/** A TCP port with nothing listening: bind, note the port, close. */
export async function closedTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---- UDP ----

export type UdpBehaviour =
  /** Receives datagrams and never answers. */
  | 'silent'
  /** Answers every datagram with a short one of garbage (BER-ish, to poke parsers). */
  | 'garbage'
  /**
   * Answers every datagram with FLOOD_DATAGRAMS datagrams of nonsense, in all many times the
   * budget the suite gives: a probe that keeps to its budget stops before the last of them.
   */
  | 'flood';

export interface UdpSource {
  readonly address: string;
  readonly port: number;
}

export interface WatchedUdpPeer {
  readonly port: number;
  /** Where the probe's datagrams came from, one entry per source socket. */
  readonly sources: readonly UdpSource[];
  readonly datagramsReceived: number;
  readonly firstContact: Promise<void>;
  close(): Promise<void>;
}

export const FLOOD_DATAGRAMS = 32;
export const FLOOD_DATAGRAM_BYTES = 512;
const FLOOD_DATAGRAM = Buffer.alloc(FLOOD_DATAGRAM_BYTES, 0x41);
const UDP_GARBAGE = Buffer.from('\x30\x03garbage\xff\x00');

export async function watchedUdpPeer(behaviour: UdpBehaviour): Promise<WatchedUdpPeer> {
  // reuseAddr: udpSourceClosed() binds a second socket to this port.
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const sources: UdpSource[] = [];
  let received = 0;
  let contact!: () => void;
  const firstContact = new Promise<void>((resolve) => (contact = resolve));
  socket.on('error', () => undefined);
  socket.on('message', (_message, from) => {
    received++;
    if (!sources.some((s) => s.port === from.port && s.address === from.address)) {
      sources.push({ address: from.address, port: from.port });
    }
    contact();
    if (behaviour === 'garbage') socket.send(UDP_GARBAGE, from.port, from.address);
    if (behaviour === 'flood') for (let i = 0; i < FLOOD_DATAGRAMS; i++) socket.send(FLOOD_DATAGRAM, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    sources,
    get datagramsReceived() {
      return received;
    },
    firstContact,
    close: () => new Promise<void>((done) => socket.close(() => done())),
  };
}

/** A UDP port with nothing bound (loopback answers ICMP port unreachable). */
export async function closedUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * Whether the probe's UDP socket is gone, seen from the peer: a datagram from the peer's port to
 * the probe's draws an ICMP port unreachable once nothing is bound there (ECONNREFUSED on a
 * connected socket; loopback does not rate-limit these). It must come from the peer's own port:
 * the probe's socket is connected to it, and the kernel refuses datagrams from any other source
 * to a connected socket even while it is open. Polls until `withinMs`, since a socket closes a
 * moment after the probe resolves.
 */
export async function udpSourceClosed(peerPort: number, source: UdpSource, withinMs: number): Promise<boolean> {
  // SO_REUSEADDR on both: this socket shares the peer's port, and being connected, gets the ICMP error.
  const socket = dgram.createSocket({ type: net.isIPv6(source.address) ? 'udp6' : 'udp4', reuseAddr: true });
  let refused = false;
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ECONNREFUSED') refused = true;
  });
  try {
    await new Promise<void>((resolve) => socket.bind(peerPort, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => socket.connect(source.port, source.address, resolve));
    const until = Date.now() + withinMs;
    while (!refused && Date.now() < until) {
      socket.send(Buffer.from([0]));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return refused;
  } finally {
    socket.close();
  }
}
