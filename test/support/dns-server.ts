import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import { scriptedUdpPeer, type UdpPeer } from './udp-peer.js';

/**
 * A small DNS server on loopback (UDP, and TCP on the same port number) built on dns-packet.
 * It serves one zone like dnsmasq with `--local=/zone/`: names in the zone it knows get their A
 * record, other names in the zone NXDOMAIN, names outside it REFUSED (with EDE 14 "Not Ready",
 * as dnsmasq without upstream). Faults make it hostile. It stays apart from the lab's server
 * (src/lab/dns-server.ts) on purpose: it scripts the broken answers the probe must survive, and
 * the probe is not tested only against the peer it is demonstrated with.
 */
export interface DnsServerSetup {
  readonly zone?: string;
  readonly records?: Readonly<Record<string, string>>;
  /** Answer everything with this RCODE (e.g. 2 = SERVFAIL). */
  readonly rcode?: number;
  /** Over UDP answer with TC=1 and no records; the full answer only over TCP. */
  readonly truncateUdp?: boolean;
  /** Close TCP connections without answering. */
  readonly tcpCloses?: boolean;
  /** Over TCP too, answer with TC=1 and no records (a broken server: TCP never needs truncation). */
  readonly truncateTcp?: boolean;
  /**
   * compression-loop: the answer's name is a pointer to itself (RFC 1035 §4.1.4 pointers must
   * point back; a loop never ends), with the query's ID and the response bit.
   */
  readonly fault?: 'wrong-id' | 'wrong-question' | 'garbage-first' | 'other-port' | 'oversized' | 'compression-loop';
}

export interface DnsServer extends UdpPeer {
  readonly queries: DecodedPacket[];
  readonly tcpQueries: number;
}

function answer(query: DecodedPacket, setup: DnsServerSetup, forUdp: boolean): Buffer {
  const zone = (setup.zone ?? 'zone.test').toLowerCase();
  const question = query.questions?.[0];
  const name = (question?.name ?? '').toLowerCase();
  const inZone = name === zone || name.endsWith(`.${zone}`);
  const address = setup.records?.[name];
  let rcode = setup.rcode ?? (inZone ? (address !== undefined || name === zone ? 0 : 3) : 5);
  const answers: Answer[] = [];
  if (rcode === 0 && address !== undefined && question?.type === 'A') answers.push({ type: 'A', name, ttl: 60, data: address });
  const truncated = forUdp ? setup.truncateUdp === true : setup.truncateTcp === true;
  const additionals: Answer[] = [];
  if (rcode === 5) {
    const ede = Buffer.alloc(2);
    ede.writeUInt16BE(14);
    additionals.push({ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [{ code: 15, data: ede }] } as unknown as Answer);
  }
  if (rcode > 15) rcode = 2;
  return dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode,
    questions: query.questions,
    answers: truncated ? [] : answers,
    additionals,
  });
}

/** A response header (this ID, QR and AA set, one question) whose question name points at itself. */
function compressionLoop(id: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8400, 2);
  header.writeUInt16BE(1, 4);
  // Offset 12 holds a pointer to offset 12, then QTYPE and QCLASS.
  return Buffer.concat([header, Buffer.from([0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01])]);
}

export async function startDnsServer(setup: DnsServerSetup = {}): Promise<DnsServer> {
  // The TCP port of the same number may be taken by someone else: try a few UDP ports.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(setup);
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

async function startOnce(setup: DnsServerSetup): Promise<DnsServer> {
  const queries: DecodedPacket[] = [];
  let tcpQueries = 0;
  const udp = await scriptedUdpPeer((message, { reply, replyFromOtherPort }) => {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    queries.push(query);
    const good = answer(query, setup, true);
    switch (setup.fault) {
      case 'wrong-id':
        return reply(dnsPacket.encode({ ...dnsPacket.decode(good), id: ((query.id ?? 0) + 1) % 0x10000 }));
      case 'wrong-question':
        return reply(dnsPacket.encode({ ...dnsPacket.decode(good), questions: [{ type: 'A', name: 'elsewhere.test', class: 'IN' }] }));
      case 'garbage-first':
        reply(Buffer.from('\x00\x01garbage'));
        return reply(good);
      case 'other-port':
        return replyFromOtherPort(good);
      case 'oversized':
        return reply(Buffer.concat([good, Buffer.alloc(60_000)]));
      case 'compression-loop':
        return reply(compressionLoop(query.id ?? 0));
      default:
        return reply(good);
    }
  });

  // TCP on the same port number (it is free: only the UDP one was bound).
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (setup.tcpCloses) return void socket.end();
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 2 || buffer.length < 2 + buffer.readUInt16BE(0)) return;
      tcpQueries += 1;
      const reply = answer(dnsPacket.decode(buffer.subarray(2, 2 + buffer.readUInt16BE(0))), setup, false);
      const length = Buffer.alloc(2);
      length.writeUInt16BE(reply.length);
      socket.end(Buffer.concat([length, reply]));
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(udp.port, udp.address, () => resolve());
    });
  } catch (error) {
    await udp.close();
    throw error;
  }
  return {
    ...udp,
    queries,
    get tcpQueries() {
      return tcpQueries;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([udp.close(), new Promise<void>((resolve) => tcp.close(() => resolve()))]);
    },
  };
}
