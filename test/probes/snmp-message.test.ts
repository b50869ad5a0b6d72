import snmp from 'net-snmp';
import { describe, expect, it } from 'vitest';
import { decodeOid, integer, oid, readWhole } from '../../probes/protocols/snmp/ber.js';
import { matchId, PDU, readMessage, v3DiscoveryMessage, varbindNames, VERSION } from '../../probes/protocols/snmp/message.js';
import { USM_STATS } from '../../probes/protocols/snmp/oids.js';
import { engineEvidence, usmReportReason } from '../../probes/protocols/snmp/usm-reports.js';
import { REPORT_ENGINE, v2cResponse, v3Report } from '../support/snmp-wire.js';

// The discovery probe as written in the shared protocol notes (identical to nmap's SNMPv3GetRequest).
const NMAP_DISCOVERY =
  '303a020103300f02024a69020300ffe30401040201030410300e0400020100020100040004000400301204000400a00c020237f00201000201003000';

/** A v2c GetRequest as net-snmp sends it: the real thing the probe's socket reads the id of. */
function netSnmpGet(community: string, oids: string[]): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = {
      on: () => socket,
      unref: () => undefined,
      ref: () => undefined,
      close: () => undefined,
      send: (buffer: Buffer) => resolve(Buffer.from(buffer)),
    };
    const session = snmp.createSession('127.0.0.1', community, { version: snmp.Version2c, dgramModule: { createSocket: () => socket } });
    session.get(oids, () => undefined);
  });
}

describe('SNMP messages (the hand-written part)', () => {
  it('builds the v3 discovery byte for byte as nmap does, given its ids', () => {
    expect(v3DiscoveryMessage(0x4a69, 0x37f0).toString('hex')).toBe(NMAP_DISCOVERY);
  });

  it('reads its own discovery back, matched by msgID', () => {
    const parsed = readMessage(Buffer.from(NMAP_DISCOVERY, 'hex'));
    expect(parsed).toMatchObject({ version: VERSION.v3, msgId: 0x4a69, engineBoots: 0, engineTime: 0, pdu: { type: PDU.get, requestId: 0x37f0 } });
    expect(parsed?.version === VERSION.v3 && parsed.engineId.length).toBe(0);
    expect(parsed === undefined ? undefined : matchId(parsed)).toBe(0x4a69);
  });

  it("reads net-snmp's v2c GET: community, request-id, varbind names", async () => {
    const request = await netSnmpGet('public', ['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.5.0']);
    const parsed = readMessage(request);
    expect(parsed).toMatchObject({ version: VERSION.v2c, pdu: { type: PDU.get, errorStatus: 0 } });
    expect(parsed?.pdu === undefined ? undefined : varbindNames(parsed.pdu)).toEqual(['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.5.0']);
    expect(parsed?.version === VERSION.v2c && parsed.community.toString()).toBe('public');
    expect(parsed === undefined ? undefined : matchId(parsed)).toBe(parsed?.pdu?.requestId);
  });

  it("encodes integers in the fewest two's complement octets", () => {
    expect(integer(0).toString('hex')).toBe('020100');
    expect(integer(127).toString('hex')).toBe('02017f');
    expect(integer(128).toString('hex')).toBe('02020080');
    expect(integer(-1).toString('hex')).toBe('0201ff');
    expect(integer(-129).toString('hex')).toBe('0202ff7f');
    expect(integer(0x7fffffff).toString('hex')).toBe('02047fffffff');
  });

  it('round-trips object identifiers with multi-octet arcs', () => {
    for (const name of ['1.3.6.1.2.1.1.1.0', '1.3.6.1.4.1.8072.9999.9999.1', '2.999.3', '1.3.6.1.4.1.4294967295']) {
      expect(decodeOid(readWhole(oid(name)))).toBe(name);
    }
  });

  it('rejects truncated, trailing and garbage input without throwing', async () => {
    const good = await netSnmpGet('public', ['1.3.6.1.2.1.1.1.0']);
    expect(readMessage(good)).toBeDefined();
    for (let cut = 0; cut < good.length; cut += 1) expect(readMessage(good.subarray(0, cut))).toBeUndefined();
    expect(readMessage(Buffer.concat([good, Buffer.from([0])]))).toBeUndefined();
    expect(readMessage(Buffer.from('\x30\x03garbage\xff\x00'))).toBeUndefined();
    expect(readMessage(Buffer.from('3084ffffffff', 'hex'))).toBeUndefined();
    const discovery = Buffer.from(NMAP_DISCOVERY, 'hex');
    for (let cut = 0; cut < discovery.length; cut += 1) expect(readMessage(discovery.subarray(0, cut))).toBeUndefined();
  });

  it('reads a Report by the OID of its counter, in one place', () => {
    const report = readMessage(v3Report(7, 8, USM_STATS['unknown-user'].oid));
    expect(usmReportReason(report)).toBe('unknown-user');
    expect(usmReportReason(readMessage(v3Report(7, 8, '1.3.6.1.6.3.11.2.1.3.0')))).toBeUndefined(); // snmpUnknownPDUHandlers
    expect(report?.version === VERSION.v3 && engineEvidence(report)).toEqual({
      engineId: REPORT_ENGINE,
      engineBoots: 3,
      engineTime: 1234,
      discoveryReport: 'unknown-user',
    });
  });

  it('a Response is no Report, whatever it names', async () => {
    const request = await netSnmpGet('public', [USM_STATS['unknown-user'].oid]);
    const response = readMessage(v2cResponse(request, { varbinds: [] }));
    expect(response?.pdu?.type).toBe(PDU.response);
    expect(usmReportReason(response)).toBeUndefined();
  });
});
