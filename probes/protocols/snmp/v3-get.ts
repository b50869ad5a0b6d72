import { EventEmitter } from 'node:events';
import net from 'node:net';
import type netSnmp from 'net-snmp';
import type { Session, User, Varbind as NetSnmpVarbind } from 'net-snmp';
import type { SnmpV3 } from '../../../src/core/credentials.js';
import type { PhaseClock } from '../../../src/core/clock.js';
import { lazyModule } from '../../kit/lazy-module.js';
import { AUTHORIZATION_ERROR, ERROR_STATUS, NO_ACCESS, printableText, type Varbind, type VarbindValue } from './message.js';
import { type Received, UdpExchange, type UdpFailure } from '../../kit/udp-exchange.js';

/**
 * An SNMPv3 GET through net-snmp, which does the USM work (key localisation, HMAC, AES/DES).
 *
 * net-snmp's own socket is unconnected and so never sees an ICMP port unreachable. Its
 * `dgramModule` option lets us hand it a stand-in socket instead: the stand-in sends and receives
 * through a connected UdpExchange, so the deadline, the byte budget and the ICMP errors work as in
 * every other UDP probe.
 */

/** net-snmp's exports (createV3Session, the protocol enums, RequestFailedError). */
export type NetSnmp = typeof netSnmp;

/** Loaded by the snmp probe before it sends, when it has SNMPv3 credentials. */
export const loadNetSnmp = lazyModule('net-snmp', async () => (await import('net-snmp')).default);

export type V3GetResult =
  | { readonly kind: 'response'; readonly varbinds: readonly Varbind[] }
  /** A Report (usmStats...) or an error-status, as a reason code of the snmp probe. */
  | { readonly kind: 'refused'; readonly reason: string; readonly message: string }
  /** The socket or the deadline ended it first. */
  | { readonly kind: 'ended'; readonly end: Exclude<Received<unknown>, { end: 'reply' }>; readonly exchange: UdpExchange | undefined }
  | { readonly kind: 'failed'; readonly failure: UdpFailure };

const REPORT_REASONS: ReadonlyArray<readonly [string, string]> = [
  ['Unsupported Security Level', 'unsupported-security-level'],
  ['Not In Time Window', 'not-in-time-window'],
  ['Unknown User Name', 'unknown-user'],
  ['Unknown Engine ID', 'unknown-engine-id'],
  ['Wrong Digest', 'wrong-digest'],
  ['Decryption Error', 'decryption-error'],
];

export async function snmpV3Get(
  snmp: NetSnmp,
  ip: string,
  port: number,
  credentials: SnmpV3,
  oids: readonly string[],
  ctx: { readonly signal: AbortSignal; readonly maxBytes: number; readonly timeoutMs: number },
  clock: PhaseClock,
): Promise<V3GetResult> {
  const opened = await UdpExchange.open(ip, port, ctx, clock);
  if (!opened.ok) return { kind: 'failed', failure: opened };
  const exchange = opened.exchange;
  const socket = new ExchangeSocket(exchange);
  let session: Session | undefined;
  try {
    session = snmp.createV3Session(ip, toUser(snmp, credentials), {
      port,
      transport: net.isIPv6(ip) ? 'udp6' : 'udp4',
      // Our deadline decides; net-snmp's own timer only has to be later than it.
      timeout: ctx.timeoutMs + 1000,
      retries: 0,
      idBitsSize: 32,
      dgramModule: { createSocket: () => socket },
    });
  } catch (error) {
    exchange.close();
    return { kind: 'refused', reason: 'snmp-v3-failed', message: `net-snmp refused the user: ${shortText(error)}` };
  }
  // Unparseable datagrams surface as session errors; they are just ignored replies here.
  session.on('error', () => undefined);

  const answered = new Promise<V3GetResult>((resolve) => {
    session?.get([...oids], (error, varbinds) => {
      if (error) resolve(fromError(snmp, error, socket.sendFailure));
      else resolve({ kind: 'response', varbinds: (varbinds ?? []).map((varbind) => fromNetSnmp(snmp, varbind)) });
    });
  });
  const pumped = socket.pump();
  try {
    return await Promise.race([answered, pumped.then((end): V3GetResult => ({ kind: 'ended', end, exchange }))]);
  } finally {
    session.close();
    exchange.close();
  }
}

/** The dgram.Socket surface net-snmp's Session uses, over a connected exchange. */
class ExchangeSocket extends EventEmitter {
  sendFailure: UdpFailure | undefined;
  readonly #exchange: UdpExchange;

  constructor(exchange: UdpExchange) {
    super();
    this.#exchange = exchange;
  }

  send(buffer: Buffer, offset: number, length: number, _port: number, _address: string, callback: (error: Error | null, bytes?: number) => void): void {
    void this.#exchange.send(buffer.subarray(offset, offset + length)).then((failure) => {
      if (failure === undefined) return callback(null, length);
      this.sendFailure = failure;
      callback(new Error(failure.reason));
    });
  }

  /** Deliver every datagram to net-snmp until the exchange ends; resolves how it ended. */
  async pump(): Promise<Exclude<Received<unknown>, { end: 'reply' }>> {
    for (;;) {
      const received = await this.#exchange.receive((datagram) => datagram);
      if (received.end !== 'reply') return received;
      this.emit('message', received.datagram, { address: this.#exchange.ip, port: 0, family: 'IPv4', size: received.datagram.length });
    }
  }

  bind(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  close(): void {
    this.#exchange.close();
  }
}

function toUser(snmp: NetSnmp, credentials: SnmpV3): User {
  const user: User = { name: credentials.user, level: snmp.SecurityLevel[credentials.level] };
  if (credentials.level !== 'noAuthNoPriv') {
    user.authProtocol = snmp.AuthProtocols[credentials.authProtocol ?? 'sha'];
    user.authKey = credentials.authKey?.reveal() ?? '';
  }
  if (credentials.level === 'authPriv') {
    user.privProtocol = snmp.PrivProtocols[credentials.privProtocol ?? 'aes'];
    user.privKey = credentials.privKey?.reveal() ?? '';
  }
  return user;
}

function fromError(snmp: NetSnmp, error: Error, sendFailure: UdpFailure | undefined): V3GetResult {
  if (sendFailure !== undefined) return { kind: 'failed', failure: sendFailure };
  const status = (error as { status?: unknown }).status;
  if (error instanceof snmp.RequestFailedError && typeof status === 'number') {
    const name = ERROR_STATUS[status] ?? `error-status ${status}`;
    return status === AUTHORIZATION_ERROR || status === NO_ACCESS
      ? { kind: 'refused', reason: 'authorization-error', message: 'the user is valid but VACM does not allow reading these objects' }
      : { kind: 'refused', reason: 'snmp-error-status', message: `the agent answered ${name}` };
  }
  for (const [text, reason] of REPORT_REASONS) {
    if (error.message.startsWith(text)) return { kind: 'refused', reason, message: `the agent reported ${text.toLowerCase()}` };
  }
  return { kind: 'refused', reason: 'snmp-v3-failed', message: shortText(error) };
}

function fromNetSnmp(snmp: NetSnmp, varbind: NetSnmpVarbind): Varbind {
  const tag = typeof varbind.type === 'number' ? varbind.type : 0;
  if (snmp.isVarbindError(varbind)) return { oid: varbind.oid, tag, value: null };
  const raw: unknown = varbind.value;
  let value: VarbindValue = null;
  if (Buffer.isBuffer(raw)) value = printableText(raw);
  else if (typeof raw === 'number' || typeof raw === 'string') value = raw;
  else if (typeof raw === 'bigint') value = raw.toString();
  return { oid: varbind.oid, tag, value };
}

function shortText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
