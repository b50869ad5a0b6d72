import { scriptedUdpPeer, type UdpPeer } from './udp-peer.js';

/**
 * A scripted SNTP server on loopback: answers each mode-3 request as configured, including the
 * ways a real or hostile server gets it wrong. It writes its packets by hand on purpose, apart
 * from the shared codec (probes/protocols/ntp), so the probe is not tested only against itself.
 */
export interface NtpServerSetup {
  readonly stratum?: number;
  readonly leap?: number;
  /** Four ASCII characters, or an IPv4 address for stratum 2+. */
  readonly refId?: string;
  /** Added to this host's clock: the server's error. */
  readonly offsetMs?: number;
  /** How to misbehave. */
  readonly fault?: 'truncated' | 'wrong-origin' | 'other-port' | 'zero-transmit' | 'mode-3' | 'bogus-then-good';
  /** Answer only the first N requests, as a server that drops over-eager clients. */
  readonly answers?: number;
  /** The first reply: held this long after its timestamps are taken, and with this offset instead. */
  readonly first?: { readonly holdMs: number; readonly offsetMs: number };
}

const NTP_UNIX_OFFSET_S = 2_208_988_800;

function timestamp(unixMs: number): Buffer {
  const out = Buffer.alloc(8);
  const seconds = Math.floor(unixMs / 1000);
  out.writeUInt32BE((seconds + NTP_UNIX_OFFSET_S) % 2 ** 32, 0);
  out.writeUInt32BE(Math.floor(((unixMs % 1000) / 1000) * 2 ** 32), 4);
  return out;
}

function refIdBytes(refId: string): Buffer {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(refId)) return Buffer.from(refId.split('.').map(Number));
  const bytes = Buffer.alloc(4);
  bytes.write(refId.slice(0, 4), 'latin1');
  return bytes;
}

export function ntpServer(setup: NtpServerSetup = {}, address = '127.0.0.1'): Promise<UdpPeer> {
  let requests = 0;
  return scriptedUdpPeer((request, { reply: send, replyFromOtherPort }) => {
    if (request.length < 48 || ((request[0] ?? 0) & 0x07) !== 3) return;
    requests++;
    if (setup.answers !== undefined && requests > setup.answers) return;
    const first = requests === 1 ? setup.first : undefined;
    const reply = first === undefined ? send : (packet: Buffer) => void setTimeout(() => send(packet), first.holdMs);
    const now = Date.now() + (first?.offsetMs ?? setup.offsetMs ?? 0);
    const packet = Buffer.alloc(48);
    packet[0] = ((setup.leap ?? 0) << 6) | (4 << 3) | (setup.fault === 'mode-3' ? 3 : 4);
    packet[1] = setup.stratum ?? 2;
    packet[2] = 6;
    packet.writeInt8(-20, 3);
    packet.writeUInt32BE(0x0000_0200, 4); // root delay ~7.8 ms
    packet.writeUInt32BE(0x0000_0400, 8); // root dispersion ~15.6 ms
    refIdBytes(setup.refId ?? '192.0.2.1').copy(packet, 12);
    timestamp(now - 60_000).copy(packet, 16);
    request.copy(packet, 24, 40, 48);
    timestamp(now).copy(packet, 32);
    timestamp(now).copy(packet, 40);
    switch (setup.fault) {
      case 'truncated':
        return reply(packet.subarray(0, 40));
      case 'wrong-origin':
        packet[31] = (packet[31] ?? 0) ^ 0xff;
        return reply(packet);
      case 'other-port':
        return replyFromOtherPort(packet);
      case 'zero-transmit':
        packet.fill(0, 40, 48);
        return reply(packet);
      case 'bogus-then-good': {
        const bogus = Buffer.from(packet);
        bogus[24] = (bogus[24] ?? 0) ^ 0xff;
        reply(bogus);
        return reply(packet);
      }
      default:
        return reply(packet);
    }
  }, address);
}
