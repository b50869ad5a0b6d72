import { children, decodeInteger, decodeOid, type Element, integer, octetString, readWhole, sequence, TAG, tlv } from './ber.js';

/**
 * The hand-written part of SNMP, kept to what net-snmp cannot do for us:
 * - the credential-free SNMPv3 engine-ID discovery (RFC 3414 §4): net-snmp sends one only as the
 *   first step of a request with a user, and does not hand back the Report;
 * - reading the header of every datagram that arrives on a probe's socket, to tell a reply to
 *   this request from a reply to another one (ignored, and counted) and from garbage, and to read
 *   a Report's usmStats counter by its OID.
 * GET and InformRequest messages, their USM security and their values are net-snmp's.
 */

export const PDU = { get: 0xa0, response: 0xa2, inform: 0xa6, trap: 0xa7, report: 0xa8 } as const;

/** msgVersion / version on the wire (RFC 3416, RFC 3412). */
export const VERSION = { v1: 0, v2c: 1, v3: 3 } as const;

export interface Pdu {
  readonly type: number;
  readonly requestId: number;
  readonly errorStatus: number;
  readonly errorIndex: number;
  /** The varbind list, read on demand (`varbindNames`): every datagram passes here, few need it. */
  readonly varbindList: Element;
}

/** An SNMPv1 or v2c message. */
export interface CommunityMessage {
  readonly version: typeof VERSION.v1 | typeof VERSION.v2c;
  readonly community: Buffer;
  readonly pdu: Pdu;
}

/** An SNMPv3 message with the User-based Security Model's parameters (RFC 3414 §2.4). */
export interface V3Message {
  readonly version: typeof VERSION.v3;
  readonly msgId: number;
  readonly engineId: Buffer;
  readonly engineBoots: number;
  readonly engineTime: number;
  /** Undefined when the scoped PDU is encrypted (authPriv). Authentication is not checked here. */
  readonly pdu: Pdu | undefined;
}

export type SnmpMessage = CommunityMessage | V3Message;

/**
 * What a reply is matched to its request by: the request-id for v1/v2c (RFC 3416 §4.1), the
 * msgID for v3 (RFC 3412 §7.2.10: the PDU may be encrypted; net-snmp matches the same way).
 */
export function matchId(message: SnmpMessage): number {
  return message.version === VERSION.v3 ? message.msgId : message.pdu.requestId;
}

/** A PDU type that answers a request: Response, or a Report. */
export function isReplyPdu(type: number): boolean {
  return type === PDU.response || type === PDU.report;
}

/** A random id for msgID / request-id: positive, 31 bits, never 0. */
export function randomId(): number {
  return 1 + Math.floor(Math.random() * 0x7ffffffe);
}

/**
 * The SNMPv3 discovery probe: reportable, noAuthNoPriv, empty engine ID and user, a GetRequest
 * with no varbinds. With msgId 0x4a69 and requestId 0x37f0 it is byte for byte nmap's probe.
 */
export function v3DiscoveryMessage(msgId: number, requestId: number): Buffer {
  const globalData = sequence(integer(msgId), integer(65507), octetString(Buffer.from([0x04])), integer(3));
  const usm = sequence(octetString(''), integer(0), integer(0), octetString(''), octetString(''), octetString(''));
  const getRequest = tlv(PDU.get, Buffer.concat([integer(requestId), integer(0), integer(0), sequence()]));
  const scopedPdu = sequence(octetString(''), octetString(''), getRequest);
  return sequence(integer(VERSION.v3), globalData, octetString(usm), scopedPdu);
}

/** Read an SNMP message of any version; undefined for anything malformed, truncated or trailing. */
export function readMessage(buffer: Buffer): SnmpMessage | undefined {
  const parts = sequenceOf(readWhole(buffer));
  if (parts === undefined) return undefined;
  const version = decodeInteger(parts[0]);
  if ((version === VERSION.v1 || version === VERSION.v2c) && parts.length === 3) {
    const [, community, body] = parts as [Element, Element, Element];
    const pdu = community.tag === TAG.octetString ? readPdu(body) : undefined;
    return pdu === undefined ? undefined : { version, community: Buffer.from(community.content), pdu };
  }
  return version === VERSION.v3 && parts.length === 4 ? readV3(parts as [Element, Element, Element, Element]) : undefined;
}

function readV3([, globalData, security, scoped]: [Element, Element, Element, Element]): V3Message | undefined {
  const header = sequenceOf(globalData);
  const flags = header?.[2];
  const msgId = decodeInteger(header?.[0]);
  if (header?.length !== 4 || msgId === undefined || flags?.tag !== TAG.octetString || flags.content.length !== 1) return undefined;
  const usm = security.tag === TAG.octetString ? sequenceOf(readWhole(security.content)) : undefined;
  const engineId = usm?.[0];
  const engineBoots = decodeInteger(usm?.[1]);
  const engineTime = decodeInteger(usm?.[2]);
  if (usm?.length !== 6 || engineId?.tag !== TAG.octetString || engineBoots === undefined || engineTime === undefined) return undefined;
  const base = { version: VERSION.v3, msgId, engineId: Buffer.from(engineId.content), engineBoots, engineTime } as const;
  // msgFlags bit 1 is privacy: the scoped PDU is an encrypted OCTET STRING.
  if ((flags.content[0] ?? 0) & 0x02) return scoped.tag === TAG.octetString ? { ...base, pdu: undefined } : undefined;
  const scopedParts = sequenceOf(scoped);
  const pdu = scopedParts?.length === 3 ? readPdu(scopedParts[2] as Element) : undefined;
  return pdu === undefined ? undefined : { ...base, pdu };
}

function sequenceOf(element: Element | undefined): Element[] | undefined {
  return element?.tag === TAG.sequence ? children(element) : undefined;
}

function readPdu(element: Element): Pdu | undefined {
  if (element.tag < PDU.get || element.tag > PDU.report) return undefined;
  const parts = children(element);
  if (parts?.length !== 4) return undefined;
  const requestId = decodeInteger(parts[0]);
  const errorStatus = decodeInteger(parts[1]);
  const errorIndex = decodeInteger(parts[2]);
  const varbindList = parts[3] as Element;
  if (requestId === undefined || errorStatus === undefined || errorIndex === undefined || varbindList.tag !== TAG.sequence) return undefined;
  return { type: element.tag, requestId, errorStatus, errorIndex, varbindList };
}

/** The names of a PDU's varbinds (their values are net-snmp's to read); undefined when the list is malformed. */
export function varbindNames(pdu: Pdu): string[] | undefined {
  const names: string[] = [];
  for (const item of sequenceOf(pdu.varbindList) ?? []) {
    const pair = sequenceOf(item);
    const name = decodeOid(pair?.[0]);
    if (pair?.length !== 2 || name === undefined) return undefined;
    names.push(name);
  }
  return names;
}

/** Names of SNMPv2 error-status values (RFC 3416 §3), as evidence shows them. */
export const ERROR_STATUS: readonly string[] = [
  'noError',
  'tooBig',
  'noSuchName',
  'badValue',
  'readOnly',
  'genErr',
  'noAccess',
  'wrongType',
  'wrongLength',
  'wrongEncoding',
  'wrongValue',
  'noCreation',
  'inconsistentValue',
  'resourceUnavailable',
  'commitFailed',
  'undoFailed',
  'authorizationError',
  'notWritable',
  'inconsistentName',
];

export function errorStatusName(status: number): string {
  return ERROR_STATUS[status] ?? `error-status ${status}`;
}

/** authorizationError is the RFC 3416 answer to a VACM denial; some agents say noAccess instead. */
export function isAccessDenied(status: number): boolean {
  return status === 16 || status === 6;
}
