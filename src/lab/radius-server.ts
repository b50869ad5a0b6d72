import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { bindUdp, closeAll } from './listen.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * A simulated RADIUS server (RFC 2865/2866/5997) on UDP: Status-Server on both ports, Access-Request
 * for one probe account on the authentication port, Accounting-Request on the accounting port.
 *
 * It behaves like a current FreeRADIUS: a request whose Message-Authenticator does not verify is
 * dropped silently (RFC 3579 §3.2), as is a Status-Server without one (RFC 5997 §3); replies carry
 * a Message-Authenticator as their first attribute (the BlastRADIUS guidance), unless
 * `omitMessageAuthenticator` simulates a server that is still vulnerable (FreeRADIUS before 3.2.5).
 * A "wrong secret" fault is simply a lab server whose secret differs from the inventory's.
 */

export interface RadiusServerOptions extends PeerEndpoint {
  /** Accounting port; none when absent. The authentication port is `port`. */
  readonly acctPort?: number;
  readonly secret: string;
  /** The only account Access-Request can succeed for; every other login is rejected. */
  readonly probeUser?: { readonly username: string; readonly password: string };
  /** Fault: replies carry no Message-Authenticator (CVE-2024-3596 exposure). @default false */
  readonly omitMessageAuthenticator?: boolean;
  /** Drop Access-Requests that carry no Message-Authenticator ("require MA"). @default false */
  readonly requireMessageAuthenticator?: boolean;
}

export type RadiusOutcome = 'accept' | 'reject' | 'accounting-response' | 'dropped';

export interface RadiusEvent {
  readonly code: number;
  readonly port: number;
  readonly outcome: RadiusOutcome;
  /** Why a request was dropped, e.g. `bad-message-authenticator`. */
  readonly why?: string;
}

export interface RadiusServerHandle extends PeerHandle {
  readonly acctPort: number | undefined;
  /** The last 100 requests and what the server did with them. */
  readonly events: readonly RadiusEvent[];
}

const CODE = {
  accessRequest: 1,
  accessAccept: 2,
  accessReject: 3,
  accountingRequest: 4,
  accountingResponse: 5,
  statusServer: 12,
} as const;
const ATTR_MESSAGE_AUTHENTICATOR = 80;
const ATTR_PROXY_STATE = 33;
const HEADER = 20;

export async function startRadiusServer(options: RadiusServerOptions): Promise<RadiusServerHandle> {
  const events: RadiusEvent[] = [];
  const note = (event: RadiusEvent): void => {
    events.push(event);
    if (events.length > 100) events.shift();
  };

  const serve = (role: 'auth' | 'acct') => (message: Buffer, remote: dgram.RemoteInfo, socket: dgram.Socket) => {
    const port = socket.address().port;
    const packet = wellFormed(message);
    if (packet === undefined) return note({ code: message[0] ?? 0, port, outcome: 'dropped', why: 'malformed' });
    const code = packet[0] ?? 0;
    const drop = (why: string): void => note({ code, port, outcome: 'dropped', why });
    const ma = attributeOffset(packet, ATTR_MESSAGE_AUTHENTICATOR);
    if (ma !== undefined && !messageAuthenticatorValid(packet, ma, options.secret)) return drop('bad-message-authenticator');

    let replyCode: number;
    if (code === CODE.statusServer) {
      if (ma === undefined) return drop('status-server-without-message-authenticator');
      replyCode = role === 'auth' ? CODE.accessAccept : CODE.accountingResponse;
    } else if (code === CODE.accessRequest && role === 'auth') {
      if (ma === undefined && options.requireMessageAuthenticator) return drop('missing-message-authenticator');
      replyCode = credentialsMatch(packet, options) ? CODE.accessAccept : CODE.accessReject;
    } else if (code === CODE.accountingRequest && role === 'acct') {
      if (!accountingAuthenticatorValid(packet, options.secret)) return drop('bad-request-authenticator');
      replyCode = CODE.accountingResponse;
    } else {
      return drop('unsupported-code');
    }

    const reply = encodeReply(packet, replyCode, options.secret, !options.omitMessageAuthenticator);
    socket.send(reply, remote.port, remote.address);
    note({
      code,
      port,
      outcome: replyCode === CODE.accessAccept ? 'accept' : replyCode === CODE.accessReject ? 'reject' : 'accounting-response',
    });
  };

  const auth = await bindUdp(options, serve('auth'));
  let acct: PeerHandle | undefined;
  if (options.acctPort !== undefined) {
    try {
      acct = await bindUdp({ address: options.address, port: options.acctPort }, serve('acct'));
    } catch (error) {
      await auth.close();
      throw error;
    }
  }
  return {
    address: auth.address,
    port: auth.port,
    transport: 'udp',
    acctPort: acct?.port,
    events,
    close: () => closeAll(acct ? [auth, acct] : [auth]),
  };
}

/** The packet cut to its Length field, or undefined when it breaks RFC 2865 §3's limits. */
function wellFormed(message: Buffer): Buffer | undefined {
  if (message.length < HEADER) return undefined;
  const length = message.readUInt16BE(2);
  if (length < HEADER || length > 4096 || length > message.length) return undefined;
  const packet = message.subarray(0, length);
  // Every attribute must fit exactly; one that overruns makes the whole packet invalid.
  for (let offset = HEADER; offset < packet.length; ) {
    const attrLength = packet[offset + 1];
    if (attrLength === undefined || attrLength < 2 || offset + attrLength > packet.length) return undefined;
    offset += attrLength;
  }
  return packet;
}

/** Offset of the first attribute of `type`, or undefined. */
function attributeOffset(packet: Buffer, type: number): number | undefined {
  for (let offset = HEADER; offset < packet.length; offset += packet[offset + 1] ?? packet.length) {
    if (packet[offset] === type) return offset;
  }
  return undefined;
}

function attributes(packet: Buffer, type: number): Buffer[] {
  const found: Buffer[] = [];
  for (let offset = HEADER; offset < packet.length; offset += packet[offset + 1] ?? packet.length) {
    if (packet[offset] === type) found.push(packet.subarray(offset, offset + (packet[offset + 1] ?? 0)));
  }
  return found;
}

/** RFC 3579 §3.2: HMAC-MD5 over the request with the Message-Authenticator value zeroed. */
function messageAuthenticatorValid(packet: Buffer, offset: number, secret: string): boolean {
  if (packet[offset + 1] !== 18) return false;
  const copy = Buffer.from(packet);
  copy.fill(0, offset + 2, offset + 18);
  const expected = createHmac('md5', secret).update(copy).digest();
  return timingSafeEqual(expected, packet.subarray(offset + 2, offset + 18));
}

/** RFC 2866 §3: MD5(Code+Identifier+Length+16 zero octets+Attributes+Secret). */
function accountingAuthenticatorValid(packet: Buffer, secret: string): boolean {
  const copy = Buffer.from(packet);
  copy.fill(0, 4, 20);
  const expected = createHash('md5').update(copy).update(secret).digest();
  return timingSafeEqual(expected, packet.subarray(4, 20));
}

function credentialsMatch(packet: Buffer, options: RadiusServerOptions): boolean {
  if (options.probeUser === undefined) return false;
  try {
    // The radius package decrypts User-Password (RFC 2865 §5.2); with a wrong secret it yields garbage.
    const decoded = radiusLib().decode({ packet: Buffer.from(packet), secret: options.secret });
    return (
      decoded.attributes['User-Name'] === options.probeUser.username &&
      decoded.attributes['User-Password'] === options.probeUser.password
    );
  } catch {
    return false;
  }
}

/**
 * A reply: Message-Authenticator first (computed with the request's authenticator in the header),
 * the request's Proxy-State attributes copied (RFC 2865 §5.33), then the Response Authenticator.
 */
function encodeReply(request: Buffer, code: number, secret: string, withMessageAuthenticator: boolean): Buffer {
  const parts: Buffer[] = [];
  if (withMessageAuthenticator) parts.push(Buffer.from([ATTR_MESSAGE_AUTHENTICATOR, 18, ...new Array<number>(16).fill(0)]));
  parts.push(...attributes(request, ATTR_PROXY_STATE));
  const attrs = Buffer.concat(parts);
  const reply = Buffer.alloc(HEADER + attrs.length);
  reply[0] = code;
  reply[1] = request[1] ?? 0;
  reply.writeUInt16BE(reply.length, 2);
  request.copy(reply, 4, 4, 20);
  attrs.copy(reply, HEADER);
  if (withMessageAuthenticator) createHmac('md5', secret).update(reply).digest().copy(reply, HEADER + 2);
  createHash('md5').update(reply).update(secret).digest().copy(reply, 4);
  return reply;
}

interface RadiusLib {
  decode(args: { packet: Buffer; secret: string }): { attributes: Record<string, unknown> };
}

let cachedLib: RadiusLib | undefined;
/** The `radius` package has no type declarations: load it once, typed by what is used here. */
function radiusLib(): RadiusLib {
  cachedLib ??= createRequire(import.meta.url)('radius') as RadiusLib;
  return cachedLib;
}
