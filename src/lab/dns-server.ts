import net from 'node:net';
import dnsPacket from 'dns-packet';
import { ednsOpt } from '../../probes/protocols/dns/message.js';
import { bindUdp, closeAll, listenTcp } from './listen.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * A simulated authoritative DNS server for one zone, on UDP and TCP (RFC 1035 §4.2, TCP with the
 * 2-octet length prefix). Names in the zone answer from `records` (A and AAAA), unknown names in
 * the zone get NXDOMAIN, names outside it REFUSED, as dnsmasq with no upstream does.
 */

export interface DnsServerOptions extends PeerEndpoint {
  /** The zone it is authoritative for, e.g. 'lab.test'. */
  readonly zone: string;
  /** Addresses (IPv4 and IPv6) by name; names may be relative to the zone or fully qualified. */
  readonly records: Readonly<Record<string, readonly string[]>>;
  /** Names whose UDP answer is empty with TC=1, forcing the client over to TCP. */
  readonly truncateUdp?: readonly string[];
  /** Also listen on TCP (same port). @default true */
  readonly tcp?: boolean;
  /** @default 300 */
  readonly ttl?: number;
}

export interface DnsServerHandle extends PeerHandle {
  /** Whether TCP listens on the same port too. */
  readonly tcp: boolean;
}

const RCODE = { noError: 0, formErr: 1, nxDomain: 3, refused: 5 } as const;
const QR_OPCODE_MASK = 0x7800; // opcode bits: only QUERY (0) is served

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServerHandle> {
  const zone = normalize(options.zone);
  const records = new Map<string, readonly string[]>();
  for (const [name, addresses] of Object.entries(options.records)) records.set(qualify(name, zone), addresses);
  const truncated = new Set((options.truncateUdp ?? []).map((name) => qualify(name, zone)));
  const answer = (query: Buffer, overUdp: boolean): Buffer | undefined =>
    respond(query, { zone, records, truncated, ttl: options.ttl ?? 300 }, overUdp);

  const udp = await bindUdp(options, (query, remote, socket) => {
    const reply = answer(query, true);
    if (reply) socket.send(reply, remote.port, remote.address);
  });
  let tcp: PeerHandle | undefined;
  if (options.tcp ?? true) {
    try {
      tcp = await listenTcp({ address: options.address, port: udp.port }, (socket) => serveTcp(socket, (q) => answer(q, false)));
    } catch (error) {
      await udp.close();
      throw error;
    }
  }
  return {
    address: udp.address,
    port: udp.port,
    transport: 'udp',
    tcp: tcp !== undefined,
    close: () => closeAll(tcp ? [udp, tcp] : [udp]),
  };
}

interface Zone {
  readonly zone: string;
  readonly records: ReadonlyMap<string, readonly string[]>;
  readonly truncated: ReadonlySet<string>;
  readonly ttl: number;
}

function respond(raw: Buffer, zone: Zone, overUdp: boolean): Buffer | undefined {
  let query: dnsPacket.DecodedPacket;
  try {
    query = dnsPacket.decode(raw);
  } catch {
    return undefined; // not DNS: a real server drops it too
  }
  if (query.type !== 'query') return undefined;
  const rd = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  const question = query.questions?.[0];
  const edns = query.additionals?.some((rr) => rr.type === 'OPT') ?? false;
  // RFC 6891 §7: answer EDNS with EDNS.
  const base = { type: 'response' as const, id: query.id ?? 0, questions: query.questions ?? [], additionals: edns ? [ednsOpt()] : [] };
  if (question === undefined || (query.questions?.length ?? 0) !== 1 || ((query.flags ?? 0) & QR_OPCODE_MASK) !== 0) {
    return dnsPacket.encode({ ...base, flags: rd | RCODE.formErr });
  }
  const name = normalize(question.name);
  if (name !== zone.zone && !name.endsWith(`.${zone.zone}`)) {
    return dnsPacket.encode({ ...base, flags: rd | RCODE.refused });
  }
  const aa = dnsPacket.AUTHORITATIVE_ANSWER;
  if (overUdp && zone.truncated.has(name)) {
    return dnsPacket.encode({ ...base, flags: aa | rd | dnsPacket.TRUNCATED_RESPONSE | RCODE.noError });
  }
  const soa = soaRecord(zone);
  if (name === zone.zone && question.type === 'SOA') {
    return dnsPacket.encode({ ...base, flags: aa | rd | RCODE.noError, answers: [soa] });
  }
  const addresses = zone.records.get(name);
  if (addresses === undefined && name !== zone.zone) {
    return dnsPacket.encode({ ...base, flags: aa | rd | RCODE.nxDomain, authorities: [soa] });
  }
  const family = question.type === 'A' ? 4 : question.type === 'AAAA' ? 6 : 0;
  const answers = (addresses ?? [])
    .filter((address) => net.isIP(address) === family)
    .map((address) => ({ type: question.type as 'A' | 'AAAA', name, ttl: zone.ttl, data: address }));
  // An existing name without records of the asked type is NODATA: NOERROR, no answer, SOA.
  return dnsPacket.encode({ ...base, flags: aa | rd | RCODE.noError, answers, authorities: answers.length ? [] : [soa] });
}

function soaRecord(zone: Zone): dnsPacket.Answer {
  return {
    type: 'SOA',
    name: zone.zone,
    ttl: zone.ttl,
    data: { mname: `ns.${zone.zone}`, rname: `hostmaster.${zone.zone}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 60 },
  };
}

/** TCP: each message has a 2-octet length prefix; several may share a connection. */
function serveTcp(socket: net.Socket, answer: (query: Buffer) => Buffer | undefined): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) return;
      const reply = answer(pending.subarray(2, 2 + length));
      pending = pending.subarray(2 + length);
      if (reply === undefined) {
        socket.destroy();
        return;
      }
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(reply.length);
      socket.write(Buffer.concat([prefix, reply]));
    }
  });
  socket.on('end', () => socket.end());
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

function qualify(name: string, zone: string): string {
  const normalized = normalize(name);
  return normalized === zone || normalized.endsWith(`.${zone}`) ? normalized : `${normalized}.${zone}`;
}
