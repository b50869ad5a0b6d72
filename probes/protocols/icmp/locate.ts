import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import type { Socket } from 'raw-socket';
import { buildEchoRequest, canonicalIp, internetChecksum, ipv4HeaderLength, parseIcmp, type IpFamily } from './packet.js';
import type { IcmpObserver, ObservedIcmpError } from './observer.js';
import { loadRawSocket } from './raw.js';
import type { RawSocketLibrary } from './privilege.js';

/**
 * `--locate`: where does a silent path stop? TTL-limited probes shaped like the failing one (the
 * same protocol and destination port: TCP SYN, UDP datagram, or ICMP echo), one per TTL from 1 to
 * maxHops, all sent at once; each router that the TTL runs out at answers Time Exceeded, which the
 * ICMP error observer hears. The highest TTL a router answered is the last hop before the drop.
 *
 * Paris traceroute: the flow identifiers stay constant across the TTLs (source port, destination
 * port, protocol; the echo identifier), so a load balancer hashing on them sends every probe the
 * same way. What tells the probes apart: the UDP payload length (the quoted IP length), the TCP
 * sequence number, the echo sequence number - fields that flow hashing does not read.
 */

export type LocateMethod = 'tcp-syn' | 'udp' | 'icmp-echo';

export interface LocateRequest {
  readonly method: LocateMethod;
  readonly address: string;
  /** TCP and UDP: the destination port of the failing probe. */
  readonly port?: number;
  readonly maxHops: number;
  /** How long to wait for answers after the last probe is sent. */
  readonly waitMs: number;
}

export interface LocateAnswer {
  readonly method: LocateMethod;
  readonly lastHop: number;
  readonly lastHopAddress?: string;
  readonly reachedTarget: boolean;
  /** The lowest TTL at which the target answered (its distance in hops). */
  readonly targetHops?: number;
  readonly maxHops: number;
}

export type LocateOutcome = { readonly ok: true; readonly answer: LocateAnswer } | { readonly ok: false; readonly why: string };

/** One TTL's mark, per method; undefined when the error does not quote one of this search's probes. */
type Marker = (error: ObservedIcmpError) => number | undefined;

export async function locate(request: LocateRequest, observer: Pick<IcmpObserver, 'subscribe'>): Promise<LocateOutcome> {
  const raw = await loadRawSocket();
  if (!raw.ok) return { ok: false, why: raw.message };
  const family: IpFamily = net.isIPv6(request.address) ? 6 : 4;
  const target = canonicalIp(request.address);
  const hops = new Map<number, string>();
  let targetHops: number | undefined;
  const targetAnswered = (ttl: number): void => {
    targetHops = Math.min(targetHops ?? ttl, ttl);
  };
  let marker: Marker = () => undefined;
  const unsubscribe = observer.subscribe((error) => {
    const ttl = marker(error);
    if (ttl === undefined) return;
    if (error.from === target) targetAnswered(ttl);
    else if (isTimeExceeded(error)) hops.set(ttl, error.from);
  });
  let release: () => void = () => undefined;
  try {
    const sender =
      request.method === 'udp'
        ? await sendUdp(request, family, target, targetAnswered)
        : request.method === 'icmp-echo'
          ? sendEcho(raw.module, request, family, target, targetAnswered)
          : await sendSyn(raw.module, request, family, target, targetAnswered);
    marker = sender.marker;
    release = sender.close;
    await withinDeadline(sender.sent, SEND_DEADLINE_MS);
    await new Promise((resolve) => setTimeout(resolve, request.waitMs));
  } catch (error) {
    return { ok: false, why: error instanceof Error ? error.message : String(error) };
  } finally {
    unsubscribe();
    release();
  }
  // Hops past the target's own distance are the target again (or nothing): not "on the way".
  const onTheWay = [...hops].filter(([ttl]) => targetHops === undefined || ttl < targetHops);
  const last = onTheWay.reduce<[number, string] | undefined>((best, hop) => (best === undefined || hop[0] > best[0] ? hop : best), undefined);
  return {
    ok: true,
    answer: {
      method: request.method,
      lastHop: last?.[0] ?? 0,
      ...(last === undefined ? {} : { lastHopAddress: last[1] }),
      reachedTarget: targetHops !== undefined,
      ...(targetHops === undefined ? {} : { targetHops }),
      maxHops: request.maxHops,
    },
  };
}

/**
 * A burst of at most maxHops packets leaves in microseconds; a search still sending after this
 * gives up instead of waiting forever. raw-socket sends from its poll watcher's writable event and
 * calls back after sendto(); in a routed lab we saw a burst's callbacks never come (1 serve cycle
 * in 2-6 hung in `locate`, never when a timer was pending), so no search may depend on them alone.
 */
const SEND_DEADLINE_MS = 2_000;

function withinDeadline(sent: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the probes were not all sent within ${ms} ms`)), ms);
  });
  return Promise.race([sent, late]).finally(() => clearTimeout(timer));
}

function isTimeExceeded(error: ObservedIcmpError): boolean {
  return error.family === 4 ? error.type === 11 : error.type === 3;
}

interface Sender {
  readonly marker: Marker;
  readonly sent: Promise<void>;
  close(): void;
}

const ttls = (maxHops: number): number[] => Array.from({ length: maxHops }, (_, i) => i + 1);

/** UDP: one unconnected socket (one source port for every TTL); TTL n carries n payload bytes. */
async function sendUdp(request: LocateRequest, family: IpFamily, target: string, targetAnswered: (ttl: number) => void): Promise<Sender> {
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  const sourcePort = socket.address().port;
  const overhead = family === 4 ? 28 : 8;
  // A UDP reply from the target: the path is open after all; its length does not say which TTL.
  socket.on('message', () => targetAnswered(request.maxHops));
  const marker: Marker = (error) => {
    const quoted = error.quoted;
    if (quoted.protocol !== 'udp' || quoted.destination !== target || quoted.sourcePort !== sourcePort) return undefined;
    const ttl = quoted.length - overhead;
    return ttl >= 1 && ttl <= request.maxHops ? ttl : undefined;
  };
  const sent = (async () => {
    for (const ttl of ttls(request.maxHops)) {
      socket.setTTL(ttl);
      // Sequential: setTTL applies to the next send, so each waits for the previous one to leave.
      await new Promise<void>((resolve) => socket.send(Buffer.alloc(ttl), request.port ?? 0, request.address, () => resolve()));
    }
  })();
  return { marker, sent, close: () => socket.close() };
}

/** ICMP echo: one raw socket, one identifier; the sequence number is base + TTL. */
function sendEcho(raw: RawSocketLibrary, request: LocateRequest, family: IpFamily, target: string, targetAnswered: (ttl: number) => void): Sender {
  const socket = raw.createSocket({
    protocol: family === 4 ? raw.Protocol.ICMP : raw.Protocol.ICMPv6,
    addressFamily: family === 4 ? raw.AddressFamily.IPv4 : raw.AddressFamily.IPv6,
  });
  const id = randomInt(1, 0xffff);
  const base = randomInt(0, 0xff00);
  const toTtl = (seq: number): number | undefined => {
    const ttl = seq - base;
    return ttl >= 1 && ttl <= request.maxHops ? ttl : undefined;
  };
  socket.on('error', () => undefined);
  socket.on('message', (datagram, source) => {
    const message = parseIcmp(family, datagram);
    if (message?.kind !== 'echo-reply' || message.id !== id || canonicalIp(source) !== target) return;
    const ttl = toTtl(message.seq);
    if (ttl !== undefined) targetAnswered(ttl);
  });
  const marker: Marker = (error) => {
    const quoted = error.quoted;
    if (quoted.protocol !== 'icmp' || quoted.destination !== target || quoted.id !== id || quoted.seq === undefined) return undefined;
    return toTtl(quoted.seq);
  };
  const sent = sendAll(socket, request, family, (ttl) => buildEchoRequest(family, id, base + ttl, Buffer.alloc(8)), raw);
  return { marker, sent, close: () => socket.close() };
}

/** TCP SYN: one raw socket, one source port; the sequence number is base + TTL. The kernel answers SYN-ACKs with RST. */
async function sendSyn(raw: RawSocketLibrary, request: LocateRequest, family: IpFamily, target: string, targetAnswered: (ttl: number) => void): Promise<Sender> {
  const source = await sourceAddressFor(request.address, family);
  const socket = raw.createSocket({
    protocol: raw.Protocol.TCP,
    addressFamily: family === 4 ? raw.AddressFamily.IPv4 : raw.AddressFamily.IPv6,
  });
  const sourcePort = randomInt(33_000, 60_000);
  const base = randomInt(0x1000_0000, 0x7000_0000);
  const port = request.port ?? 0;
  const toTtl = (seq: number): number | undefined => {
    const ttl = seq - base;
    return ttl >= 1 && ttl <= request.maxHops ? ttl : undefined;
  };
  socket.on('error', () => undefined);
  socket.on('message', (datagram, from) => {
    // A SYN-ACK or RST from the target to our source port: it acknowledges seq + 1.
    const segment = family === 4 ? datagram.subarray(ipv4HeaderLength(datagram) ?? datagram.length) : datagram;
    if (segment.length < 20 || canonicalIp(from) !== target) return;
    if (segment.readUInt16BE(0) !== port || segment.readUInt16BE(2) !== sourcePort) return;
    const ttl = toTtl(segment.readUInt32BE(8) - 1);
    if (ttl !== undefined) targetAnswered(ttl);
  });
  const marker: Marker = (error) => {
    const quoted = error.quoted;
    if (quoted.protocol !== 'tcp' || quoted.destination !== target || quoted.sourcePort !== sourcePort || quoted.tcpSeq === undefined) return undefined;
    return toTtl(quoted.tcpSeq);
  };
  const sent = sendAll(socket, request, family, (ttl) => buildSyn(family, source, target, sourcePort, port, base + ttl), raw);
  return { marker, sent, close: () => socket.close() };
}

/**
 * Queue one packet per TTL; raw-socket's beforeSend sets the socket's TTL right before each sendto().
 * Receiving pauses while the burst goes out: raw-socket reports a socket that is both readable and
 * writable as readable only, so on a busy raw socket (it hears every TCP segment or ICMP message
 * of the host) the sends could starve. What arrives meanwhile waits in the kernel's buffer.
 */
function sendAll(socket: Socket, request: LocateRequest, family: IpFamily, build: (ttl: number) => Buffer, raw: RawSocketLibrary): Promise<void> {
  const level = family === 4 ? raw.SocketLevel.IPPROTO_IP : raw.SocketLevel.IPPROTO_IPV6;
  const option = family === 4 ? raw.SocketOption.IP_TTL : raw.SocketOption.IPV6_UNICAST_HOPS;
  socket.pauseRecv();
  return Promise.all(
    ttls(request.maxHops).map(
      (ttl) =>
        new Promise<void>((resolve) => {
          const packet = build(ttl);
          socket.send(packet, 0, packet.length, request.address, () => socket.setOption(level, option, ttl), () => resolve());
        }),
    ),
  ).then(() => {
    socket.resumeRecv();
  });
}

/** The source address the kernel picks for this destination: a connected UDP socket sends nothing and tells. */
async function sourceAddressFor(address: string, family: IpFamily): Promise<string> {
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => socket.connect(9, address, (error?: Error) => (error ? reject(error) : resolve())));
    return canonicalIp(socket.address().address);
  } finally {
    socket.close();
  }
}

/** A bare SYN (20-byte header, no options) with its checksum over the pseudo-header (RFC 793, RFC 8200 §8.1). */
export function buildSyn(family: IpFamily, source: string, destination: string, sourcePort: number, port: number, seq: number): Buffer {
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(sourcePort, 0);
  tcp.writeUInt16BE(port, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt8(5 << 4, 12);
  tcp.writeUInt8(0x02, 13);
  tcp.writeUInt16BE(64_240, 14);
  const pseudo =
    family === 4
      ? Buffer.concat([ipBytes(source, 4), ipBytes(destination, 4), Buffer.from([0, 6, 0, tcp.length])])
      : Buffer.concat([ipBytes(source, 6), ipBytes(destination, 6), Buffer.from([0, 0, 0, tcp.length, 0, 0, 0, 6])]);
  tcp.writeUInt16BE(internetChecksum(Buffer.concat([pseudo, tcp])), 16);
  return tcp;
}

function ipBytes(address: string, family: IpFamily): Buffer {
  if (family === 4) return Buffer.from(address.split('.').map(Number));
  const [head = '', tail = ''] = address.split('::');
  const groups = (text: string): string[] => (text === '' ? [] : text.split(':'));
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(Number.parseInt(group, 16), i * 2));
  return bytes;
}
