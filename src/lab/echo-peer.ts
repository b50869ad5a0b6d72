import { bindUdp } from './listen.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * A UDP port that answers: every datagram comes back as it came. The generic `udp` probe reads
 * any reply as "open", which is the only proof a UDP service that never answers (syslog) cannot
 * give: the lab serves such a port with this, and the path passes as it should.
 */
export function startUdpEchoPeer(options: PeerEndpoint): Promise<PeerHandle> {
  return bindUdp(options, (message, remote, socket) => socket.send(message, remote.port, remote.address));
}
