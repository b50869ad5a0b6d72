import { integer, octetString, oid, sequence, TAG, tlv, unsigned32 } from '../../probes/protocols/snmp/ber.js';
import { type CommunityMessage, PDU, readMessage, varbindNames, VERSION } from '../../probes/protocols/snmp/message.js';
import { scalarInstance, SYSTEM_GROUP } from '../../probes/protocols/snmp/oids.js';

/**
 * Scripted SNMP replies for the tests' hostile and broken peers, built from the BER encoders
 * rather than by net-snmp, so that a peer can say what no real agent would (a wrong request-id,
 * another community, a Report for anything).
 */

export const REPORT_ENGINE = '80001f8880aabbccdd';

/** The v1/v2c request a peer received; throws on anything else (a test's own mistake). */
export function communityRequest(datagram: Buffer): CommunityMessage {
  const message = readMessage(datagram);
  if (message === undefined || message.version === VERSION.v3) throw new Error('not a v1/v2c request');
  return message;
}

/** What the scripted agent holds: sysDescr "scripted", sysUpTime 99; anything else is noSuchObject. */
function scriptedValue(name: string): Buffer {
  if (name === scalarInstance(SYSTEM_GROUP.sysDescr)) return octetString('scripted');
  if (name === scalarInstance(SYSTEM_GROUP.sysUpTime)) return unsigned32(99, TAG.timeTicks);
  return tlv(TAG.noSuchObject, Buffer.alloc(0));
}

/** A v2c GetResponse (or acknowledgement) to `request`, the requested names with `scriptedValue`s unless told otherwise. */
export function v2cResponse(
  request: Buffer,
  change: { readonly requestId?: number; readonly errorStatus?: number; readonly community?: string; readonly varbinds?: Buffer[] } = {},
): Buffer {
  const parsed = communityRequest(request);
  const varbinds = change.varbinds ?? (varbindNames(parsed.pdu) ?? []).map((name) => sequence(oid(name), scriptedValue(name)));
  const pdu = tlv(
    PDU.response,
    Buffer.concat([integer(change.requestId ?? parsed.pdu.requestId), integer(change.errorStatus ?? 0), integer(0), sequence(...varbinds)]),
  );
  return sequence(integer(VERSION.v2c), octetString(change.community ?? parsed.community), pdu);
}

/** An unauthenticated SNMPv3 Report naming one counter, as an agent sends it. */
export function v3Report(msgId: number, requestId: number, counter: string): Buffer {
  const globalData = sequence(integer(msgId), integer(65507), octetString(Buffer.from([0x00])), integer(3));
  const engine = Buffer.from(REPORT_ENGINE, 'hex');
  const usm = sequence(octetString(engine), integer(3), integer(1234), octetString(''), octetString(''), octetString(''));
  const varbinds = sequence(sequence(oid(counter), unsigned32(1, TAG.counter32)));
  const pdu = tlv(PDU.report, Buffer.concat([integer(requestId), integer(0), integer(0), varbinds]));
  const scoped = sequence(octetString(engine), octetString(''), pdu);
  return sequence(integer(VERSION.v3), globalData, octetString(usm), scoped);
}
