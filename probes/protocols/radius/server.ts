import { AUTHENTICATOR_OFFSET, messageAuthenticatorDigest, packetDigest, sameDigest, ZERO_AUTHENTICATOR } from './authenticators.js';
import {
  ATTRIBUTE,
  type Attribute,
  checkMessageAuthenticator,
  CODE,
  encodePacket,
  firstAttribute,
  HEADER_LENGTH,
  type MessageAuthenticatorCheck,
  type Packet,
  UNSIGNED_MESSAGE_AUTHENTICATOR,
} from './packet.js';
import { revealPassword } from './password.js';

/**
 * What a RADIUS server does with the codec (the lab's simulated server): check a request's
 * authenticators, read its User-Password, and sign the reply. Requests are parsed with
 * parsePacket, as replies are.
 */

export interface RequestCheck {
  readonly messageAuthenticator: MessageAuthenticatorCheck['state'];
  /**
   * An Accounting-Request's Request Authenticator is MD5 over the packet with 16 zero octets in
   * its place, and the secret (RFC 2866 §3); other requests carry a random one, always true here.
   */
  readonly requestAuthenticator: boolean;
}

export function checkRequest(request: Packet, secret: Buffer): RequestCheck {
  const accounting = request.code === CODE.accountingRequest;
  // FreeRADIUS signs an Accounting-Request's Message-Authenticator over a zeroed authenticator,
  // since the real one is a digest of the packet that includes it.
  const headerAuthenticator = accounting ? ZERO_AUTHENTICATOR : request.authenticator;
  const messageAuthenticator = checkMessageAuthenticator(request, headerAuthenticator, secret).state;
  const requestAuthenticator = !accounting || sameDigest(packetDigest(request.packet, ZERO_AUTHENTICATOR, secret), request.authenticator);
  return { messageAuthenticator, requestAuthenticator };
}

/**
 * The User-Password of an Access-Request, revealed (RFC 2865 §5.2); undefined when absent or not
 * a hidden password. A client with another secret yields garbage here, not an error.
 */
export function userPassword(request: Packet, secret: Buffer): Buffer | undefined {
  const hidden = firstAttribute(request, ATTRIBUTE.userPassword);
  return hidden === undefined ? undefined : revealPassword(hidden, secret, request.authenticator);
}

export interface ResponseOptions {
  /** Attributes of the reply, e.g. Reply-Message. @default none */
  readonly attributes?: readonly Attribute[];
  /**
   * Put a Message-Authenticator first (the BlastRADIUS guidance, FreeRADIUS 3.2.5 and later);
   * false sends none, as vulnerable servers do.
   */
  readonly messageAuthenticator: boolean;
}

/**
 * The reply to `request` with `code` (Access-Accept/Reject/Challenge, Accounting-Response): its
 * Identifier, the attributes, then the request's Proxy-State attributes in order (RFC 2865
 * §5.33). The Message-Authenticator is computed first, with the Request Authenticator in the
 * header (RFC 3579 §3.2), then the Response Authenticator over the result (RFC 2865 §3).
 */
export function buildResponse(request: Packet, code: number, secret: Buffer, options: ResponseOptions): Buffer {
  const proxyStates = request.attributes.filter(([type]) => type === ATTRIBUTE.proxyState);
  const attributes = [...(options.messageAuthenticator ? [UNSIGNED_MESSAGE_AUTHENTICATOR] : []), ...(options.attributes ?? []), ...proxyStates];
  const reply = encodePacket(code, request.identifier, request.authenticator, attributes);
  if (options.messageAuthenticator) {
    messageAuthenticatorDigest(reply, HEADER_LENGTH, request.authenticator, secret).copy(reply, HEADER_LENGTH + 2);
  }
  packetDigest(reply, request.authenticator, secret).copy(reply, AUTHENTICATOR_OFFSET);
  return reply;
}
