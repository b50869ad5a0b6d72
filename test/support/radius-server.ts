import { createHash, createHmac } from 'node:crypto';
import radius, { type DecodedPacket } from 'radius';
import { scriptedUdpPeer, type UdpPeer } from './udp-peer.js';

/**
 * A small RADIUS server on loopback for probe tests, built on the `radius` package on purpose: an
 * implementation independent of the project's codec (probes/protocols/radius), which the probe
 * and the lab's server share, so the probe is not tested only against itself. It behaves as
 * FreeRADIUS does where the probe cares: a request whose Message-Authenticator fails is dropped
 * silently; Status-Server is answered (Access-Accept, or Accounting-Response on an accounting
 * port); Access-Request gets Accept or Reject.
 */
export interface RadiusServerSetup {
  readonly secret: string;
  /** Answer Status-Server (FreeRADIUS `status_server = yes`). Default true. */
  readonly statusServer?: boolean;
  /** Where replies carry Message-Authenticator: first (BlastRADIUS-fixed), last, or none (FreeRADIUS 3.2.1). */
  readonly messageAuthenticator?: 'first' | 'last' | 'none';
  /** Drop Access-Requests without Message-Authenticator (FreeRADIUS 3.2.5 `require_message_authenticator`). */
  readonly requireMessageAuthenticator?: boolean;
  readonly accounting?: boolean;
  readonly users?: Readonly<Record<string, string>>;
  /** Send a reply with another Identifier before the real one. */
  readonly wrongIdentifierFirst?: boolean;
  /** Answer every request only with the wrong Identifier (replies to some other request). */
  readonly wrongIdentifierOnly?: boolean;
  /** Sign replies with this secret instead (a broken or impersonating server). */
  readonly replySecret?: string;
}

export interface RadiusServer extends UdpPeer {
  /** Decoded requests the server accepted, in order. */
  readonly requests: DecodedPacket[];
}

export async function startRadiusServer(setup: RadiusServerSetup): Promise<RadiusServer> {
  const requests: DecodedPacket[] = [];
  const peer = await scriptedUdpPeer((message, { reply }) => {
    let request: DecodedPacket;
    try {
      request = radius.decode({ packet: message, secret: setup.secret });
    } catch {
      return; // bad Message-Authenticator: silently discarded (RFC 3579 §3.2)
    }
    const hasMa = request.attributes['Message-Authenticator'] !== undefined;
    requests.push(request);
    let code: string;
    const attributes: [string, string][] = [];
    if (request.code === 'Status-Server') {
      if (setup.statusServer === false || !hasMa) return;
      code = setup.accounting ? 'Accounting-Response' : 'Access-Accept';
      attributes.push(['Reply-Message', 'server up']);
    } else if (request.code === 'Access-Request') {
      if (setup.requireMessageAuthenticator && !hasMa) return;
      const user = String(request.attributes['User-Name']);
      const password = String(request.attributes['User-Password']);
      const ok = setup.users?.[user] !== undefined && setup.users[user] === password;
      code = ok ? 'Access-Accept' : 'Access-Reject';
      if (!ok) attributes.push(['Reply-Message', 'unknown user or bad password']);
    } else {
      return;
    }
    const secret = setup.replySecret ?? setup.secret;
    const build = (identifier: number): Buffer => buildReply(code, identifier, request.authenticator, attributes, secret, setup.messageAuthenticator ?? 'first');
    if (setup.wrongIdentifierFirst || setup.wrongIdentifierOnly) reply(build((request.identifier + 1) % 256));
    if (!setup.wrongIdentifierOnly) reply(build(request.identifier));
  });
  return { ...peer, requests };
}

function buildReply(
  code: string,
  identifier: number,
  requestAuthenticator: Buffer,
  attributes: [string, string][],
  secret: string,
  messageAuthenticator: 'first' | 'last' | 'none',
): Buffer {
  if (messageAuthenticator !== 'first') {
    return radius.encode({ code, identifier, authenticator: requestAuthenticator, attributes, secret, add_message_authenticator: messageAuthenticator === 'last' });
  }
  // The package only appends Message-Authenticator; put it first by hand (RFC 3579 §3.2 order:
  // the HMAC over the packet with the Request Authenticator, then the Response Authenticator).
  const plain = radius.encode({ code, identifier, authenticator: requestAuthenticator, attributes, secret, add_message_authenticator: false });
  const packet = Buffer.concat([plain.subarray(0, 20), Buffer.from([80, 18]), Buffer.alloc(16), plain.subarray(20)]);
  packet.writeUInt16BE(packet.length, 2);
  requestAuthenticator.copy(packet, 4);
  createHmac('md5', secret).update(packet).digest().copy(packet, 22);
  createHash('md5').update(packet).update(secret).digest().copy(packet, 4);
  return packet;
}
