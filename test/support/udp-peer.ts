import dgram from 'node:dgram';

/**
 * A scriptable UDP peer on loopback for protocol tests: the handler sees each datagram and answers
 * through `reply` (from the bound port, as a real server does) or `replyFromOtherPort` (from a
 * second socket, as a multi-homed or spoofing host would: a connected client must ignore it).
 */
export interface UdpPeer {
  readonly port: number;
  readonly address: string;
  /** Every datagram received, in order. */
  readonly received: Buffer[];
  close(): Promise<void>;
}

export interface Replies {
  reply(datagram: Buffer): void;
  replyFromOtherPort(datagram: Buffer): void;
}

export async function scriptedUdpPeer(
  handler: (message: Buffer, replies: Replies) => void,
  address = '127.0.0.1',
): Promise<UdpPeer> {
  const type = address.includes(':') ? 'udp6' : 'udp4';
  const socket = dgram.createSocket(type);
  const other = dgram.createSocket(type);
  const received: Buffer[] = [];
  socket.on('message', (message, rinfo) => {
    received.push(message);
    handler(message, {
      reply: (datagram) => socket.send(datagram, rinfo.port, rinfo.address),
      replyFromOtherPort: (datagram) => other.send(datagram, rinfo.port, rinfo.address),
    });
  });
  await Promise.all([
    new Promise<void>((resolve) => socket.bind(0, address, () => resolve())),
    new Promise<void>((resolve) => other.bind(0, address, () => resolve())),
  ]);
  return {
    port: socket.address().port,
    address,
    received,
    close: async () => {
      await Promise.all([
        new Promise<void>((resolve) => socket.close(() => resolve())),
        new Promise<void>((resolve) => other.close(() => resolve())),
      ]);
    },
  };
}
