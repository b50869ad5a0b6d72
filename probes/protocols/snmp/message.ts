import {
  children,
  decodeInteger,
  decodeOid,
  decodeUnsigned,
  type Element,
  integer,
  nullValue,
  octetString,
  oid,
  readWhole,
  sequence,
  TAG,
  tlv,
  unsigned32,
} from './ber.js';

/**
 * Hand-built SNMP messages for the exchanges that need no cryptography: v2c GET and
 * InformRequest, and the credential-free SNMPv3 engine-ID discovery (RFC 3414 §4). Building them
 * here lets every SNMP exchange run over the connected UDP socket that surfaces ICMP errors.
 */

export const OIDS = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  snmpTrapOID: '1.3.6.1.6.3.1.1.4.1.0',
} as const;

export const PDU = { get: 0xa0, response: 0xa2, inform: 0xa6, report: 0xa8 } as const;

const VERSION_2C = 1;
const VERSION_3 = 3;

/** usmStats counters (RFC 3414 §5) that a Report names, by the reason they stand for. */
export const USM_REPORTS: Readonly<Record<string, string>> = {
  '1.3.6.1.6.3.15.1.1.1.0': 'unsupported-security-level',
  '1.3.6.1.6.3.15.1.1.2.0': 'not-in-time-window',
  '1.3.6.1.6.3.15.1.1.3.0': 'unknown-user',
  '1.3.6.1.6.3.15.1.1.4.0': 'unknown-engine-id',
  '1.3.6.1.6.3.15.1.1.5.0': 'wrong-digest',
  '1.3.6.1.6.3.15.1.1.6.0': 'decryption-error',
};

export type VarbindValue = string | number | null;

export interface Varbind {
  readonly oid: string;
  /** The BER tag of the value (0x80-0x82 are noSuchObject, noSuchInstance, endOfMibView). */
  readonly tag: number;
  readonly value: VarbindValue;
}

/** A random id for msgID / request-id: positive, 31 bits, never 0. */
export function randomId(): number {
  return 1 + Math.floor(Math.random() * 0x7ffffffe);
}

export function nullVarbinds(oids: readonly string[]): Buffer[] {
  return oids.map((name) => sequence(oid(name), nullValue()));
}

function pdu(type: number, requestId: number, varbinds: readonly Buffer[]): Buffer {
  return tlv(type, Buffer.concat([integer(requestId), integer(0), integer(0), sequence(...varbinds)]));
}

/** An SNMPv2c message (GetRequest or InformRequest; never SetRequest). */
export function v2cMessage(type: typeof PDU.get | typeof PDU.inform, community: string, requestId: number, varbinds: readonly Buffer[]): Buffer {
  return sequence(integer(VERSION_2C), octetString(community), pdu(type, requestId, varbinds));
}

/** The varbinds every SNMPv2 notification starts with (RFC 3416 §4.2.6): sysUpTime.0, snmpTrapOID.0. */
export function notificationVarbinds(upTimeTicks: number, trapOid: string): Buffer[] {
  return [
    sequence(oid(OIDS.sysUpTime), unsigned32(upTimeTicks, TAG.timeTicks)),
    sequence(oid(OIDS.snmpTrapOID), oid(trapOid)),
  ];
}

/**
 * The SNMPv3 discovery probe: reportable, noAuthNoPriv, empty engine ID and user, a GetRequest
 * with no varbinds. With msgId 0x4a69 and requestId 0x37f0 it is byte for byte nmap's probe.
 */
export function v3DiscoveryMessage(msgId: number, requestId: number): Buffer {
  const globalData = sequence(integer(msgId), integer(65507), octetString(Buffer.from([0x04])), integer(3));
  const usm = sequence(octetString(''), integer(0), integer(0), octetString(''), octetString(''), octetString(''));
  const scopedPdu = sequence(octetString(''), octetString(''), pdu(PDU.get, requestId, []));
  return sequence(integer(VERSION_3), globalData, octetString(usm), scopedPdu);
}

export interface PduFields {
  readonly type: number;
  readonly requestId: number;
  readonly errorStatus: number;
  readonly errorIndex: number;
  readonly varbinds: readonly Varbind[];
}

export interface V2cMessage extends PduFields {
  readonly community: Buffer;
}

export interface V3PlainMessage extends PduFields {
  readonly msgId: number;
  readonly engineId: Buffer;
  readonly engineBoots: number;
  readonly engineTime: number;
}

/** Parse an SNMPv2c message; undefined for anything malformed or of another version. */
export function parseV2c(buffer: Buffer): V2cMessage | undefined {
  const parts = sequenceOf(readWhole(buffer));
  if (parts?.length !== 3) return undefined;
  const [version, community, body] = parts as [Element, Element, Element];
  if (decodeInteger(version) !== VERSION_2C || community.tag !== TAG.octetString) return undefined;
  const fields = parsePdu(body);
  return fields === undefined ? undefined : { ...fields, community: Buffer.from(community.content) };
}

/**
 * Parse an unencrypted SNMPv3 message (a discovery Report, or any noAuthNoPriv / authNoPriv
 * message); undefined for encrypted or malformed ones. Authentication is not checked.
 */
export function parseV3Plain(buffer: Buffer): V3PlainMessage | undefined {
  const parts = sequenceOf(readWhole(buffer));
  if (parts?.length !== 4) return undefined;
  const [version, globalData, security, scoped] = parts as [Element, Element, Element, Element];
  if (decodeInteger(version) !== VERSION_3 || security.tag !== TAG.octetString) return undefined;
  const header = sequenceOf(globalData);
  const flags = header?.[2];
  if (header?.length !== 4 || flags?.tag !== TAG.octetString || flags.content.length !== 1) return undefined;
  if ((flags.content[0] ?? 0) & 0x02) return undefined; // privacy: the scoped PDU is encrypted
  const msgId = decodeInteger(header[0]);
  const usm = sequenceOf(readWhole(security.content));
  if (msgId === undefined || usm === undefined || usm.length !== 6 || usm[0]?.tag !== TAG.octetString) return undefined;
  const engineBoots = decodeInteger(usm[1]);
  const engineTime = decodeInteger(usm[2]);
  const scopedParts = sequenceOf(scoped);
  if (engineBoots === undefined || engineTime === undefined || scopedParts?.length !== 3) return undefined;
  const fields = parsePdu(scopedParts[2] as Element);
  if (fields === undefined) return undefined;
  return { ...fields, msgId, engineId: Buffer.from(usm[0].content), engineBoots, engineTime };
}

function sequenceOf(element: Element | undefined): Element[] | undefined {
  return element?.tag === TAG.sequence ? children(element) : undefined;
}

function parsePdu(element: Element): PduFields | undefined {
  if (element.tag < 0xa0 || element.tag > 0xa8) return undefined;
  const parts = children(element);
  if (parts?.length !== 4) return undefined;
  const requestId = decodeInteger(parts[0]);
  const errorStatus = decodeInteger(parts[1]);
  const errorIndex = decodeInteger(parts[2]);
  const list = sequenceOf(parts[3]);
  if (requestId === undefined || errorStatus === undefined || errorIndex === undefined || list === undefined) return undefined;
  const varbinds: Varbind[] = [];
  for (const item of list) {
    const pair = sequenceOf(item);
    const name = decodeOid(pair?.[0]);
    if (pair?.length !== 2 || name === undefined) return undefined;
    const value = pair[1] as Element;
    varbinds.push({ oid: name, tag: value.tag, value: decodeValue(value) });
  }
  return { type: element.tag, requestId, errorStatus, errorIndex, varbinds };
}

const MAX_TEXT = 256;

function decodeValue(element: Element): VarbindValue {
  switch (element.tag) {
    case TAG.integer:
      return decodeInteger(element) ?? null;
    case TAG.octetString:
      return printableText(element.content);
    case TAG.oid:
      return decodeOid(element) ?? null;
    case TAG.ipAddress:
      return element.content.length === 4 ? [...element.content].join('.') : null;
    case TAG.counter32:
    case TAG.gauge32:
    case TAG.timeTicks:
      return decodeUnsigned(element) ?? null;
    case TAG.counter64:
      return element.content.length > 0 && element.content.length <= 9 ? BigInt(`0x${element.content.toString('hex')}`).toString() : null;
    default:
      return null;
  }
}

/** Printable text as is (bounded), anything else as hex. */
export function printableText(content: Buffer): string {
  const bounded = content.subarray(0, MAX_TEXT);
  // eslint-disable-next-line no-control-regex
  const printable = /^[\x09\x0a\x0d\x20-\x7e]*$/.test(bounded.toString('latin1'));
  return printable ? bounded.toString('latin1') : bounded.toString('hex');
}

/** The usmStats reason a Report names, if its first varbind is one. */
export function usmReportReason(message: PduFields): string | undefined {
  const first = message.varbinds[0];
  return message.type === PDU.report && first !== undefined ? USM_REPORTS[first.oid] : undefined;
}

/** Names of SNMPv2 error-status values (RFC 3416 §3). */
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

export const NO_ACCESS = 6;
export const AUTHORIZATION_ERROR = 16;
