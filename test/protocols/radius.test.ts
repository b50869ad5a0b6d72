import { randomBytes } from 'node:crypto';
import radius from 'radius';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTE,
  buildRequest,
  CODE,
  firstAttribute,
  hidePassword,
  type Packet,
  parsePacket,
  type Request,
  verifyReply,
} from '../../probes/protocols/radius/packet.js';
import { packetDigest } from '../../probes/protocols/radius/authenticators.js';
import { revealPassword } from '../../probes/protocols/radius/password.js';
import { buildResponse, checkRequest, userPassword } from '../../probes/protocols/radius/server.js';

/**
 * The RADIUS codec shared by the probe and the lab's server, checked both ways against the
 * `radius` package (an independent implementation, a dev dependency kept for this): what we
 * encode it decodes and verifies, and what it encodes we decode and verify. Then our own round
 * trips, for what the package cannot do (Message-Authenticator first, "absent" told from "valid").
 */

const SECRET = 'codec-secret';
const secret = Buffer.from(SECRET);
const USER = 'netcheck-probe';
const PASSWORD = 'probe-pass';

const parsed = (datagram: Buffer): Packet => {
  const packet = parsePacket(datagram);
  if (packet === undefined) throw new Error('not a RADIUS packet');
  return packet;
};
const asRequest = (packet: Buffer): Request => ({ packet, identifier: packet[1] ?? 0, authenticator: packet.subarray(4, 20) });
/** The package writes into the response while it verifies: give it a copy. */
const oracleVerifies = (request: Buffer, response: Buffer, withSecret = SECRET): boolean =>
  radius.verify_response({ request, response: Buffer.from(response), secret: withSecret });

function ourAccessRequest(withSecret = secret, messageAuthenticator = true): Request {
  const authenticator = randomBytes(16);
  const attributes = [
    [ATTRIBUTE.userName, Buffer.from(USER)],
    [ATTRIBUTE.userPassword, hidePassword(Buffer.from(PASSWORD), withSecret, authenticator)],
  ] as const;
  return buildRequest(CODE.accessRequest, 7, withSecret, attributes, messageAuthenticator, authenticator);
}

const oracleAccessRequest = (withSecret = SECRET, messageAuthenticator = true): Buffer =>
  radius.encode({
    code: 'Access-Request',
    identifier: 42,
    secret: withSecret,
    attributes: [
      ['User-Name', USER],
      ['User-Password', PASSWORD],
      ['Proxy-State', Buffer.from('hop-1')],
    ],
    add_message_authenticator: messageAuthenticator,
  });

describe('radius codec against the radius package', () => {
  it('our Access-Request: the package verifies its Message-Authenticator and reveals the password', () => {
    const decoded = radius.decode({ packet: ourAccessRequest().packet, secret: SECRET });
    expect(decoded.code).toBe('Access-Request');
    expect(decoded.identifier).toBe(7);
    expect(decoded.attributes['User-Name']).toBe(USER);
    expect(decoded.attributes['User-Password']).toBe(PASSWORD);
    expect(decoded.raw_attributes[0]?.[0]).toBe(ATTRIBUTE.messageAuthenticator);
  });

  it('our Access-Request signed with another secret: the package refuses its Message-Authenticator', () => {
    const request = ourAccessRequest(Buffer.from('other-secret'));
    expect(() => radius.decode({ packet: request.packet, secret: SECRET })).toThrow(/Message-Authenticator/);
  });

  it('our Status-Server: the package decodes it and verifies it', () => {
    const request = buildRequest(CODE.statusServer, 200, secret, [], true);
    expect(radius.decode({ packet: request.packet, secret: SECRET }).code).toBe('Status-Server');
  });

  it("the package's Access-Request: we verify its Message-Authenticator (last) and reveal the password", () => {
    const request = parsed(oracleAccessRequest());
    expect(checkRequest(request, secret)).toEqual({ messageAuthenticator: 'valid', requestAuthenticator: true });
    expect(userPassword(request, secret)?.toString()).toBe(PASSWORD);
    expect(firstAttribute(request, ATTRIBUTE.userName)?.toString()).toBe(USER);
    expect(checkRequest(request, Buffer.from('other-secret')).messageAuthenticator).toBe('invalid');
  });

  it("the package's Access-Request without Message-Authenticator: absent; another secret reveals garbage", () => {
    const request = parsed(oracleAccessRequest(SECRET, false));
    expect(checkRequest(request, secret).messageAuthenticator).toBe('absent');
    expect(userPassword(request, Buffer.from('other-secret'))?.toString()).not.toBe(PASSWORD);
  });

  it("the package's Accounting-Request: we verify its Request Authenticator (RFC 2866 §3)", () => {
    const packet = radius.encode({
      code: 'Accounting-Request',
      identifier: 3,
      secret: SECRET,
      attributes: [['Acct-Status-Type', 'Start'], ['Acct-Session-Id', 'lab-1'], ['User-Name', USER]],
      add_message_authenticator: false,
    });
    expect(checkRequest(parsed(packet), secret)).toEqual({ messageAuthenticator: 'absent', requestAuthenticator: true });
    expect(checkRequest(parsed(packet), Buffer.from('other-secret')).requestAuthenticator).toBe(false);
  });

  it('our replies: the package verifies the Response Authenticator and the Message-Authenticator', () => {
    const raw = oracleAccessRequest();
    const request = parsed(raw);
    for (const code of [CODE.accessAccept, CODE.accessReject, CODE.accountingResponse]) {
      const reply = buildResponse(request, code, secret, { messageAuthenticator: true, attributes: [[ATTRIBUTE.replyMessage, Buffer.from('hello')]] });
      expect(oracleVerifies(raw, reply)).toBe(true);
      expect(oracleVerifies(raw, reply, 'other-secret')).toBe(false);
      const decoded = radius.decode({ packet: reply, secret: SECRET });
      expect(decoded.identifier).toBe(42);
      expect(decoded.attributes['Reply-Message']).toBe('hello');
      // Message-Authenticator first, the request's Proxy-State copied (RFC 2865 §5.33).
      expect(decoded.raw_attributes.map(([type]) => type)).toEqual([ATTRIBUTE.messageAuthenticator, ATTRIBUTE.replyMessage, ATTRIBUTE.proxyState]);
      expect(decoded.raw_attributes[2]?.[1].toString()).toBe('hop-1');
    }
  });

  it('our reply without Message-Authenticator to a request that had one: the package rejects it', () => {
    const raw = oracleAccessRequest();
    const reply = buildResponse(parsed(raw), CODE.accessAccept, secret, { messageAuthenticator: false });
    expect(oracleVerifies(raw, reply)).toBe(false);
    // Without one in the request, the package checks the Response Authenticator only.
    const plain = oracleAccessRequest(SECRET, false);
    expect(oracleVerifies(plain, buildResponse(parsed(plain), CODE.accessAccept, secret, { messageAuthenticator: false }))).toBe(true);
  });

  it("the package's replies: we verify both authenticators, and see the Message-Authenticator is last", () => {
    const raw = oracleAccessRequest();
    const reply = radius.encode_response({
      packet: radius.decode({ packet: raw, secret: SECRET }),
      code: 'Access-Accept',
      secret: SECRET,
      attributes: [['Reply-Message', 'welcome']],
    });
    expect(verifyReply(parsed(reply), asRequest(raw), secret)).toEqual({ authenticator: true, messageAuthenticator: 'valid', messageAuthenticatorFirst: false });
    expect(verifyReply(parsed(reply), asRequest(raw), Buffer.from('other-secret'))).toEqual({
      authenticator: false,
      messageAuthenticator: 'invalid',
      messageAuthenticatorFirst: false,
    });
  });
});

describe('radius codec round trips', () => {
  it('request, server check, reply, client check: all verify, Message-Authenticator first', () => {
    const request = ourAccessRequest();
    const received = parsed(request.packet);
    expect(checkRequest(received, secret)).toEqual({ messageAuthenticator: 'valid', requestAuthenticator: true });
    expect(userPassword(received, secret)?.toString()).toBe(PASSWORD);
    const reply = parsed(buildResponse(received, CODE.accessAccept, secret, { messageAuthenticator: true }));
    expect(reply).toMatchObject({ code: CODE.accessAccept, identifier: 7 });
    expect(verifyReply(reply, request, secret)).toEqual({ authenticator: true, messageAuthenticator: 'valid', messageAuthenticatorFirst: true });
  });

  it('a reply without Message-Authenticator: absent, not valid; a wrong secret fails both checks', () => {
    const request = buildRequest(CODE.statusServer, 1, secret, [], true);
    const reply = parsed(buildResponse(parsed(request.packet), CODE.accessAccept, secret, { messageAuthenticator: false }));
    expect(verifyReply(reply, request, secret)).toEqual({ authenticator: true, messageAuthenticator: 'absent', messageAuthenticatorFirst: false });
    const forged = parsed(buildResponse(parsed(request.packet), CODE.accessAccept, Buffer.from('other-secret'), { messageAuthenticator: true }));
    expect(verifyReply(forged, request, secret)).toEqual({ authenticator: false, messageAuthenticator: 'invalid', messageAuthenticatorFirst: true });
  });

  it('an Accounting-Request Message-Authenticator is computed over a zeroed authenticator (as FreeRADIUS signs it)', () => {
    const zero = Buffer.alloc(16);
    const unsigned = buildRequest(CODE.accountingRequest, 9, secret, [[ATTRIBUTE.userName, Buffer.from(USER)]], true, zero);
    // Then the Request Authenticator: MD5 over the packet with the zero authenticator (RFC 2866 §3).
    const packet = Buffer.from(unsigned.packet);
    packetDigest(packet, zero, secret).copy(packet, 4);
    expect(checkRequest(parsed(packet), secret)).toEqual({ messageAuthenticator: 'valid', requestAuthenticator: true });
  });

  it('User-Password hides and reveals for every length up to 128 octets', () => {
    const authenticator = randomBytes(16);
    for (const length of [1, 15, 16, 17, 31, 32, 100, 128]) {
      const password = Buffer.alloc(length, 'p');
      const hidden = hidePassword(password, secret, authenticator);
      expect(hidden.length % 16).toBe(0);
      expect(revealPassword(hidden, secret, authenticator)).toEqual(password);
    }
    expect(revealPassword(Buffer.alloc(15), secret, authenticator)).toBeUndefined();
    expect(revealPassword(Buffer.alloc(144), secret, authenticator)).toBeUndefined();
  });

  it('parsePacket refuses what RFC 2865 §3 does not allow', () => {
    const good = buildRequest(CODE.statusServer, 1, secret, [], true).packet;
    expect(parsePacket(good.subarray(0, 19))).toBeUndefined();
    const longer = Buffer.from(good);
    longer.writeUInt16BE(good.length + 1, 2);
    expect(parsePacket(longer)).toBeUndefined();
    const overrun = Buffer.from(good);
    overrun[21] = 19; // the attribute claims one octet more than the packet holds
    expect(parsePacket(overrun)).toBeUndefined();
    // Octets past Length are padding, not attributes.
    expect(parsePacket(Buffer.concat([good, Buffer.from([1, 2, 3])]))?.packet.length).toBe(good.length);
  });
});
