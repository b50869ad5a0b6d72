import { bindUdp, closeAll, listenTcp, type ConnectionHandler } from './listen.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * Peers that never speak.
 *
 * - A silent TCP peer completes the handshake and then says nothing: a probe sees "open" and, if
 *   it waits for a banner, "no banner" (a hung daemon, or a service that waits for the client,
 *   such as JMX or replication ports).
 * - A silent UDP peer takes every datagram and answers none: a probe sees "open|filtered".
 *
 * Limitation, on purpose: a truly *filtered* TCP port (SYNs dropped, the client times out) cannot
 * be made on loopback without root: it needs a firewall rule (nftables `drop`) or a route, both
 * privileged, and Node always accepts what the kernel queues, so a full backlog cannot be held
 * either. The unprivileged lab therefore offers "closed" (an address and port where nothing
 * listens: ECONNREFUSED) and "silent" (below); filtered paths are covered by the namespace tests,
 * which run as root with nftables.
 */

/** Accepts and holds the connection without writing, until the client leaves. */
export const silentHandler: ConnectionHandler = (socket) => {
  // Input is read and discarded rather than paused: reading is what lets the client's FIN be seen,
  // so the lab lets go of the socket when the client does (a benchmark opens thousands).
  socket.on('data', () => undefined);
  socket.on('end', () => socket.destroy());
};

export function startSilentTcpPeer(options: PeerEndpoint): Promise<PeerHandle> {
  return listenTcp(options, silentHandler);
}

export function startSilentUdpPeer(options: PeerEndpoint): Promise<PeerHandle> {
  return bindUdp(options, () => undefined);
}

export interface BlackholeHandle extends PeerHandle {
  /** The UDP socket on the same port, which never answers either. */
  readonly udp: PeerHandle;
}

/** A silent TCP peer and a silent UDP peer on the same address and port. */
export async function startBlackhole(options: PeerEndpoint): Promise<BlackholeHandle> {
  const tcp = await startSilentTcpPeer(options);
  try {
    const udp = await startSilentUdpPeer({ address: options.address, port: tcp.port });
    return { ...tcp, udp, close: () => closeAll([tcp, udp]) };
  } catch (error) {
    await tcp.close();
    throw error;
  }
}
