import net from 'node:net';
import { bindUdp } from './listen.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * A simulated NTP server (RFC 5905 server mode, as an SNTP client sees it): answers a mode 3
 * request with mode 4, copying the request's Transmit Timestamp into Origin. Other modes (6 and
 * 7 included) are ignored, as a hardened server does.
 */

export interface NtpServerOptions extends PeerEndpoint {
  /** 1 = primary, 2-15 = secondary. Ignored on the wire when unsynchronized or kissing. @default 2 */
  readonly stratum?: number;
  /**
   * Leap indicator; 3 = unsynchronized, which (like ntpd and chrony) goes out as stratum 0 with
   * refid 0, not as a kiss-o'-death. @default 0
   */
  readonly leapIndicator?: 0 | 1 | 2 | 3;
  /**
   * Reference id: up to 4 ASCII characters at stratum 1 (a clock name), an IPv4 address of the
   * upstream server otherwise. @default 'GPS' at stratum 1, '192.0.2.1' above
   */
  readonly refId?: string;
  /** The server's clock is this far ahead of the host's (negative: behind). @default 0 */
  readonly offsetMs?: number;
  /** Fault: answer every request with this kiss code (RFC 5905 §7.4), e.g. 'RATE', 'DENY'. */
  readonly kissCode?: string;
  /** @default 10 */
  readonly rootDelayMs?: number;
  /** @default 20 */
  readonly rootDispersionMs?: number;
}

export interface NtpServerHandle extends PeerHandle {
  /** Requests answered so far. */
  readonly answered: () => number;
}

/** Seconds between the NTP era 0 origin (1900) and the Unix epoch. */
const NTP_UNIX_OFFSET = 2_208_988_800;

export async function startNtpServer(options: NtpServerOptions): Promise<NtpServerHandle> {
  let answered = 0;
  const handle = await bindUdp(options, (request, remote, socket) => {
    if (request.length < 48) return;
    const first = request[0] ?? 0;
    const version = (first >> 3) & 0x07;
    if ((first & 0x07) !== 3 || version < 1 || version > 4) return;
    socket.send(reply(request, version, options), remote.port, remote.address);
    answered += 1;
  });
  return { ...handle, answered: () => answered };
}

function reply(request: Buffer, version: number, options: NtpServerOptions): Buffer {
  const receivedAt = ntpTimestamp(options.offsetMs ?? 0);
  const packet = Buffer.alloc(48);
  const kiss = options.kissCode;
  const unsynchronized = (options.leapIndicator ?? 0) === 3;
  const leap = kiss !== undefined ? 3 : (options.leapIndicator ?? 0);
  const stratum = kiss !== undefined || unsynchronized ? 0 : (options.stratum ?? 2);
  packet[0] = (leap << 6) | (version << 3) | 4;
  packet[1] = stratum;
  packet[2] = request[2] ?? 6; // poll: echo the client's
  packet.writeInt8(-20, 3); // precision: about a microsecond
  packet.writeUInt32BE(shortFormat(options.rootDelayMs ?? 10), 4);
  packet.writeUInt32BE(shortFormat(options.rootDispersionMs ?? 20), 8);
  refId(options, kiss, unsynchronized).copy(packet, 12);
  if (stratum !== 0) ntpTimestamp((options.offsetMs ?? 0) - 30_000).copy(packet, 16); // reference: last sync
  request.copy(packet, 24, 40, 48); // origin = the client's transmit
  receivedAt.copy(packet, 32);
  ntpTimestamp(options.offsetMs ?? 0).copy(packet, 40);
  return packet;
}

function refId(options: NtpServerOptions, kiss: string | undefined, unsynchronized: boolean): Buffer {
  const id = Buffer.alloc(4);
  if (kiss !== undefined) {
    id.write(kiss.slice(0, 4), 'ascii');
  } else if (!unsynchronized) {
    const stratum = options.stratum ?? 2;
    const text = options.refId ?? (stratum === 1 ? 'GPS' : '192.0.2.1');
    if (stratum > 1 && net.isIPv4(text)) text.split('.').forEach((octet, i) => (id[i] = Number(octet)));
    else id.write(text.slice(0, 4), 'ascii');
  }
  return id;
}

/** 32.32 fixed point seconds since 1900 (era 0), from the host clock plus `offsetMs`. */
function ntpTimestamp(offsetMs: number): Buffer {
  const ms = performance.timeOrigin + performance.now() + offsetMs;
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * 2 ** 32);
  const buffer = Buffer.alloc(8);
  buffer.writeUInt32BE((seconds + NTP_UNIX_OFFSET) % 2 ** 32, 0);
  buffer.writeUInt32BE(Math.min(fraction, 2 ** 32 - 1), 4);
  return buffer;
}

/** NTP short format: 16.16 fixed point seconds. */
function shortFormat(ms: number): number {
  return Math.round((ms / 1000) * 65536) >>> 0;
}
