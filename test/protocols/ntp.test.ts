import { describe, expect, it } from 'vitest';
import { buildRequest, kissCode, parseReply, refIdText, toNtp } from '../../probes/protocols/ntp/packet.js';
import { buildServerReply, type ClientRequest, encodeRefId, parseClientRequest, type ServerReplyFields } from '../../probes/protocols/ntp/server.js';
import { decodeWithNtpsec, ntpsecLibrary, requestFromNtpsec } from '../support/ntpsec-oracle.js';
import { missing, titleWith } from '../support/skip.js';

/**
 * The NTP codec shared by the probe (client side) and the lab's server (server side): our own
 * round trips, then both directions against NTPsec's Python library, an independent codec.
 */

const AT_MS = Date.UTC(2025, 4, 1, 12, 0, 0, 250);

const fields = (overrides: Partial<ServerReplyFields> = {}): ServerReplyFields => ({
  leap: 0,
  stratum: 2,
  precision: -20,
  rootDelayMs: 10,
  rootDispersionMs: 20,
  refId: encodeRefId(2, '192.0.2.1'),
  reference: toNtp(AT_MS - 30_000),
  receive: toNtp(AT_MS),
  transmit: toNtp(AT_MS + 1),
  ...overrides,
});

const received = (datagram: Buffer): ClientRequest => {
  const request = parseClientRequest(datagram);
  if (request === undefined) throw new Error('not a client request');
  return request;
};

describe('ntp codec round trips', () => {
  it('a server reply to our request parses back to what was encoded', () => {
    const request = buildRequest();
    const reply = parseReply(buildServerReply(received(request.packet), fields()), request);
    expect(reply).toMatchObject({ leap: 0, version: 4, mode: 4, stratum: 2, precision: -20, receive: toNtp(AT_MS), transmit: toNtp(AT_MS + 1) });
    expect(reply?.rootDelayMs).toBeCloseTo(10, 1);
    expect(reply?.rootDispersionMs).toBeCloseTo(20, 1);
    expect(refIdText(2, reply?.refId ?? Buffer.alloc(4))).toBe('192.0.2.1');
  });

  it('the reply echoes the version and poll of the request, and its Transmit Timestamp as Origin', () => {
    const v3 = Buffer.alloc(48);
    v3[0] = (3 << 3) | 3;
    v3[2] = 10;
    v3.writeBigUInt64BE(0x0102030405060708n, 40);
    const reply = buildServerReply(received(v3), fields());
    expect((reply[0] ?? 0) >> 3).toBe(3);
    expect(reply[2]).toBe(10);
    expect(reply.readBigUInt64BE(24)).toBe(0x0102030405060708n);
  });

  it('Reference IDs: a clock name at stratum 1, an address above, a kiss code at stratum 0', () => {
    expect(refIdText(1, encodeRefId(1, 'GPS'))).toBe('GPS');
    expect(refIdText(3, encodeRefId(3, '198.51.100.7'))).toBe('198.51.100.7');
    expect(kissCode(encodeRefId(0, 'RATE'))).toBe('RATE');
  });

  it('a server reads only client requests: not short ones, not modes 6 and 7, not version 0 or 5', () => {
    const packet = (first: number, length = 48): Buffer => Buffer.concat([Buffer.from([first]), Buffer.alloc(length - 1)]);
    expect(parseClientRequest(packet(0x23))).toBeDefined();
    expect(parseClientRequest(packet(0x23, 47))).toBeUndefined();
    expect(parseClientRequest(packet(0x26))).toBeUndefined();
    expect(parseClientRequest(packet(0x27))).toBeUndefined();
    expect(parseClientRequest(packet(0x03))).toBeUndefined();
    expect(parseClientRequest(packet(0x2b))).toBeUndefined();
  });
});

const why = missing(ntpsecLibrary);

describe.skipIf(why)(titleWith('ntp codec against NTPsec', why), () => {
  it('NTPsec reads our server reply field by field', () => {
    const request = buildRequest();
    const view = decodeWithNtpsec(buildServerReply(received(request.packet), fields()));
    expect(view).toMatchObject({
      leap: 'no-leap',
      version: 4,
      mode: 4,
      stratum: 2,
      poll: 0,
      precision: -20,
      rootDelay: Math.round(0.01 * 65536),
      rootDispersion: Math.round(0.02 * 65536),
      refidAddress: '192.0.2.1',
      reference: toNtp(AT_MS - 30_000).toString(),
      origin: request.nonce.readBigUInt64BE(0).toString(),
      receive: toNtp(AT_MS).toString(),
      transmit: toNtp(AT_MS + 1).toString(),
    });
    expect(view.transmitPosix).toBeCloseTo((AT_MS + 1) / 1000, 3);
  });

  it('NTPsec reads a kiss-o\'-death and an unsynchronized reply as such', () => {
    const request = received(buildRequest().packet);
    const kiss = decodeWithNtpsec(buildServerReply(request, fields({ leap: 3, stratum: 0, refId: encodeRefId(0, 'RATE'), reference: 0n })));
    expect(kiss).toMatchObject({ leap: 'unsync', stratum: 0, refidString: 'RATE', reference: '0' });
    const unsynchronized = decodeWithNtpsec(buildServerReply(request, fields({ leap: 3, stratum: 0, refId: Buffer.alloc(4), reference: 0n })));
    expect(unsynchronized).toMatchObject({ leap: 'unsync', stratum: 0, refidAddress: '0.0.0.0' });
  });

  it("we read NTPsec's client requests, versions 3 and 4, and refuse its control-mode ones", () => {
    for (const version of [3, 4]) {
      const request = parseClientRequest(requestFromNtpsec(version, 3, toNtp(AT_MS)));
      expect(request).toEqual({ version, poll: 6, transmit: Buffer.from(toNtp(AT_MS).toString(16).padStart(16, '0'), 'hex') });
    }
    expect(parseClientRequest(requestFromNtpsec(4, 6, 0n))).toBeUndefined();
  });
});
