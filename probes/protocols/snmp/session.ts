import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type netSnmp from 'net-snmp';
import type { Session, SessionOptions, User, Varbind as NetSnmpVarbind } from 'net-snmp';
import type { SnmpV3 } from '../../../src/core/credentials.js';
import { lazyModule } from '../../kit/lazy-module.js';
import type { UdpFailure } from '../../kit/udp-exchange.js';
import type { SnmpChannel } from './channel.js';
import { errorStatusName } from './message.js';
import { USM_STATS, type UsmReason } from './oids.js';
import { reportedOid, usmReportReason } from './usm-reports.js';

/**
 * SNMP requests through net-snmp (v2c GET and InformRequest; v3 GET with the USM work: key
 * localisation, HMAC, AES/DES), on a probe's SnmpChannel. One session, one request.
 */

/** net-snmp's exports (createSession, createV3Session, the enums, the error classes). */
export type NetSnmp = typeof netSnmp;

/** Loaded on first use (probes/kit/lazy-module.ts): a probe's `prepare()` calls it before the deadline starts. */
export const loadNetSnmp = lazyModule('net-snmp', async () => (await import('net-snmp')).default);

/**
 * This process's SNMP engine ID (RFC 3411 §3.1.1.1: one per engine, format 5 with random octets
 * as net-snmp makes them). Without it net-snmp draws a new one for every session, a random-bytes
 * call per probe; a GET never sends it (the agent is the authoritative engine there).
 */
const LOCAL_ENGINE_ID = Buffer.concat([Buffer.from('8000b98380', 'hex'), randomBytes(12)]);

/** Who speaks: a v2c community, or a v3 user. */
export type SnmpIdentity = { readonly version: '2c'; readonly community: string } | SnmpV3;

export type VarbindValue = string | number | null;

export interface Varbind {
  readonly oid: string;
  readonly value: VarbindValue;
  /** noSuchObject, noSuchInstance or endOfMibView: the agent has no such object. */
  readonly missing: boolean;
}

/** How one request ended, when net-snmp settled it. */
export type RequestOutcome =
  | {
      readonly kind: 'response';
      readonly varbinds: readonly Varbind[];
      /** Set when the Response's varbinds do not match the request's (RFC 3416 §4.2.1, §4.2.7 say they do). */
      readonly note?: string;
    }
  | { readonly kind: 'error-status'; readonly status: number; readonly name: string; readonly message: string }
  /** A Report refused the request; `reason` when it names a usmStats counter. */
  | { readonly kind: 'report'; readonly reason: UsmReason | undefined; readonly message: string }
  /** A reply to this request that net-snmp refused (community, PDU type, authentication, decryption). */
  | { readonly kind: 'invalid-reply'; readonly message: string }
  | { readonly kind: 'send-failed'; readonly failure: UdpFailure }
  | { readonly kind: 'local-error'; readonly message: string };

export interface SnmpSession {
  get(oids: readonly string[]): Promise<RequestOutcome>;
  /** An InformRequest: sysUpTime.0 and snmpTrapOID.0 first (net-snmp adds them), then `varbinds`. */
  inform(trapOid: string, varbinds: readonly { readonly oid: string; readonly text: string }[]): Promise<RequestOutcome>;
}

/** A session over the channel; a v3 user net-snmp refuses (a key it cannot use) is a message. */
export function openSession(
  snmp: NetSnmp,
  channel: SnmpChannel,
  identity: SnmpIdentity,
  options: { readonly port: number; readonly timeoutMs: number },
): { readonly ok: true; readonly session: SnmpSession } | { readonly ok: false; readonly message: string } {
  const ip = channel.exchange.ip;
  const common = {
    port: options.port,
    trapPort: options.port,
    transport: net.isIPv6(ip) ? ('udp6' as const) : ('udp4' as const),
    // The probe's deadline decides; net-snmp's own timer only has to be later than it.
    timeout: options.timeoutMs + 1000,
    retries: 0,
    idBitsSize: 32 as const,
    dgramModule: channel.dgramModule(),
    // Documented for v3 sessions; a v2c session is the same class and reads it the same way.
    engineID: LOCAL_ENGINE_ID,
  };
  let session: Session;
  try {
    session =
      identity.version === '2c'
        ? snmp.createSession(ip, identity.community, { ...common, version: snmp.Version2c } as SessionOptions)
        : snmp.createV3Session(ip, toUser(snmp, identity), common);
  } catch (error) {
    return { ok: false, message: `net-snmp refused the ${identity.version === '2c' ? 'community' : 'user'}: ${shortText(error)}` };
  }
  // net-snmp reports a datagram it cannot decode as a session error: to us, an ignored datagram.
  session.on('error', () => channel.countUnreadable());

  const request = (send: (callback: (error: Error | null, varbinds?: NetSnmpVarbind[]) => void) => void): Promise<RequestOutcome> =>
    new Promise((resolve) => {
      try {
        send((error, varbinds) => resolve(error ? outcomeOfError(snmp, error, channel) : answered(snmp, varbinds ?? [])));
      } catch (error) {
        resolve({ kind: 'local-error', message: shortText(error) });
      }
    });
  return {
    ok: true,
    session: {
      get: (oids) => request((callback) => session.get([...oids], callback)),
      inform: (trapOid, varbinds) =>
        request((callback) =>
          session.inform(
            trapOid,
            varbinds.map(({ oid, text }) => ({ oid, type: snmp.ObjectType.OctetString, value: text })),
            { upTime: Math.floor(process.uptime() * 100) },
            callback,
          ),
        ),
    },
  };
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

function answered(snmp: NetSnmp, varbinds: readonly NetSnmpVarbind[]): RequestOutcome {
  return { kind: 'response', varbinds: varbinds.map((varbind) => fromNetSnmp(snmp, varbind)) };
}

function outcomeOfError(snmp: NetSnmp, error: Error, channel: SnmpChannel): RequestOutcome {
  if (channel.sendFailure !== undefined) return { kind: 'send-failed', failure: channel.sendFailure };
  if (error instanceof snmp.RequestFailedError) {
    const status = Number(error.status);
    return { kind: 'error-status', status, name: errorStatusName(status), message: `the agent answered ${errorStatusName(status)}` };
  }
  // A refused v3 request ends on a Report; read it by its counter's OID, not by net-snmp's wording.
  const report = channel.reportToLastRequest();
  if (report !== undefined) {
    const reason = usmReportReason(report);
    const named = reason === undefined ? (reportedOid(report) ?? 'no varbind') : USM_STATS[reason].counter;
    return { kind: 'report', reason, message: `the agent answered with a Report (${named})` };
  }
  if (error instanceof snmp.ResponseInvalidError) {
    // A Response with the right id and no error, whose varbinds differ from the request's: the
    // agent did answer this request (it proves the path and the credentials), not by the book.
    if (error.code === snmp.ResponseInvalidCode.EReqResOidNoMatch) {
      return { kind: 'response', varbinds: [], note: "the reply's varbinds do not match the request's" };
    }
    return { kind: 'invalid-reply', message: `a reply to this request that is not valid: ${shortText(error)}` };
  }
  return { kind: 'local-error', message: `net-snmp: ${shortText(error)}` };
}

const MAX_TEXT = 256;

function fromNetSnmp(snmp: NetSnmp, varbind: NetSnmpVarbind): Varbind {
  if (snmp.isVarbindError(varbind)) return { oid: varbind.oid, value: null, missing: true };
  const raw: unknown = varbind.value;
  let value: VarbindValue = null;
  if (Buffer.isBuffer(raw)) {
    // net-snmp hands Counter64 over as its big-endian octets.
    value = varbind.type === snmp.ObjectType.Counter64 && raw.length > 0 && raw.length <= 9 ? BigInt(`0x${raw.toString('hex')}`).toString() : printableText(raw);
  } else if (typeof raw === 'number' || typeof raw === 'string') {
    value = raw;
  } else if (typeof raw === 'boolean' || typeof raw === 'bigint') {
    value = String(raw);
  }
  return { oid: varbind.oid, value, missing: false };
}

/** An OCTET STRING as text when it is printable (bounded), as hex otherwise (a MAC address, an engine ID). */
export function printableText(content: Buffer): string {
  const bounded = content.subarray(0, MAX_TEXT);
  // eslint-disable-next-line no-control-regex
  const printable = /^[\x09\x0a\x0d\x20-\x7e]*$/.test(bounded.toString('latin1'));
  return printable ? bounded.toString('latin1') : bounded.toString('hex');
}

function shortText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
