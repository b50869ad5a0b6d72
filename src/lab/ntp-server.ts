import { toNtp } from '../../probes/protocols/ntp/packet.js';
import { buildServerReply, encodeRefId, parseClientRequest, type ServerReplyFields } from '../../probes/protocols/ntp/server.js';
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

export async function startNtpServer(options: NtpServerOptions): Promise<NtpServerHandle> {
  let answered = 0;
  const handle = await bindUdp(options, (datagram, remote, socket) => {
    const request = parseClientRequest(datagram);
    if (request === undefined) return;
    socket.send(buildServerReply(request, replyFields(options)), remote.port, remote.address);
    answered += 1;
  });
  return { ...handle, answered: () => answered };
}

/** What this server says now: its clock (the host's plus `offsetMs`), its state and its faults. */
function replyFields(options: NtpServerOptions): ServerReplyFields {
  const kiss = options.kissCode;
  const unsynchronized = (options.leapIndicator ?? 0) === 3;
  const stratum = kiss !== undefined || unsynchronized ? 0 : (options.stratum ?? 2);
  const offsetMs = options.offsetMs ?? 0;
  const receive = clock(offsetMs);
  return {
    leap: kiss !== undefined ? 3 : (options.leapIndicator ?? 0),
    stratum,
    precision: -20, // about a microsecond
    rootDelayMs: options.rootDelayMs ?? 10,
    rootDispersionMs: options.rootDispersionMs ?? 20,
    refId: refId(options, kiss, unsynchronized),
    // The last sync, 30 s ago; an unsynchronized or kissing server has none.
    reference: stratum !== 0 ? clock(offsetMs - 30_000) : 0n,
    receive,
    transmit: clock(offsetMs),
  };
}

function refId(options: NtpServerOptions, kiss: string | undefined, unsynchronized: boolean): Buffer {
  if (kiss !== undefined) return encodeRefId(0, kiss);
  // Unsynchronized goes out as refid 0, as ntpd and chrony send it.
  if (unsynchronized) return Buffer.alloc(4);
  const stratum = options.stratum ?? 2;
  return encodeRefId(stratum, options.refId ?? (stratum === 1 ? 'GPS' : '192.0.2.1'));
}

/** The host's wall clock plus `offsetMs`, as an NTP timestamp. */
function clock(offsetMs: number): bigint {
  return toNtp(performance.timeOrigin + performance.now() + offsetMs);
}
