import { describe, expect, it } from 'vitest';
import { decodeOid, integer, oid, readWhole } from '../../probes/protocols/snmp/ber.js';
import {
  nullVarbinds,
  OIDS,
  parseV2c,
  parseV3Plain,
  PDU,
  usmReportReason,
  v2cMessage,
  v3DiscoveryMessage,
} from '../../probes/protocols/snmp/message.js';

// The discovery probe as written in the shared protocol notes (identical to nmap's SNMPv3GetRequest).
const NMAP_DISCOVERY =
  '303a020103300f02024a69020300ffe30401040201030410300e0400020100020100040004000400301204000400a00c020237f00201000201003000';

describe('SNMP messages (hand-built BER)', () => {
  it('builds the v3 discovery byte for byte as nmap does, given its ids', () => {
    expect(v3DiscoveryMessage(0x4a69, 0x37f0).toString('hex')).toBe(NMAP_DISCOVERY);
  });

  it('reads its own discovery back', () => {
    const parsed = parseV3Plain(Buffer.from(NMAP_DISCOVERY, 'hex'));
    expect(parsed).toMatchObject({ msgId: 0x4a69, requestId: 0x37f0, type: PDU.get, engineBoots: 0, engineTime: 0 });
    expect(parsed?.engineId.length).toBe(0);
  });

  it('encodes integers in the fewest two\'s complement octets', () => {
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

  it('reads back the GET it builds', () => {
    const request = v2cMessage(PDU.get, 'public', 4242, nullVarbinds([OIDS.sysDescr, OIDS.sysName]));
    expect(parseV2c(request)).toMatchObject({
      type: PDU.get,
      requestId: 4242,
      errorStatus: 0,
      varbinds: [
        { oid: OIDS.sysDescr, value: null },
        { oid: OIDS.sysName, value: null },
      ],
    });
    expect(parseV2c(request)?.community.toString()).toBe('public');
  });

  it('rejects truncated, trailing and garbage input without throwing', () => {
    const good = v2cMessage(PDU.get, 'public', 1, nullVarbinds([OIDS.sysDescr]));
    for (let cut = 0; cut < good.length; cut += 1) expect(parseV2c(good.subarray(0, cut))).toBeUndefined();
    expect(parseV2c(Buffer.concat([good, Buffer.from([0])]))).toBeUndefined();
    expect(parseV2c(Buffer.from('\x30\x03garbage\xff\x00'))).toBeUndefined();
    expect(parseV2c(Buffer.from('3084ffffffff', 'hex'))).toBeUndefined();
    expect(parseV3Plain(good)).toBeUndefined();
  });

  it('names the usmStats counter of a Report', () => {
    const report = { type: PDU.report, requestId: 1, errorStatus: 0, errorIndex: 0, varbinds: [{ oid: '1.3.6.1.6.3.15.1.1.3.0', tag: 0x41, value: 1 }] };
    expect(usmReportReason(report)).toBe('unknown-user');
    expect(usmReportReason({ ...report, type: PDU.response })).toBeUndefined();
  });
});
