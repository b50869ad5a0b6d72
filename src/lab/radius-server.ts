import type dgram from 'node:dgram';
import { ATTRIBUTE, CODE, firstAttribute, type Packet, parsePacket } from '../../probes/protocols/radius/packet.js';
import { buildResponse, checkRequest, userPassword } from '../../probes/protocols/radius/server.js';
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

export async function startRadiusServer(options: RadiusServerOptions): Promise<RadiusServerHandle> {
  const events: RadiusEvent[] = [];
  const note = (event: RadiusEvent): void => {
    events.push(event);
    if (events.length > 100) events.shift();
  };

  const secret = Buffer.from(options.secret, 'utf8');
  const serve = (role: 'auth' | 'acct') => (message: Buffer, remote: dgram.RemoteInfo, socket: dgram.Socket) => {
    const port = socket.address().port;
    const request = parsePacket(message);
    if (request === undefined) return note({ code: message[0] ?? 0, port, outcome: 'dropped', why: 'malformed' });
    const code = request.code;
    const drop = (why: string): void => note({ code, port, outcome: 'dropped', why });
    const check = checkRequest(request, secret);
    if (check.messageAuthenticator === 'invalid') return drop('bad-message-authenticator');
    const hasMa = check.messageAuthenticator === 'valid';

    let replyCode: number;
    if (code === CODE.statusServer) {
      if (!hasMa) return drop('status-server-without-message-authenticator');
      replyCode = role === 'auth' ? CODE.accessAccept : CODE.accountingResponse;
    } else if (code === CODE.accessRequest && role === 'auth') {
      if (!hasMa && options.requireMessageAuthenticator) return drop('missing-message-authenticator');
      replyCode = credentialsMatch(request, secret, options) ? CODE.accessAccept : CODE.accessReject;
    } else if (code === CODE.accountingRequest && role === 'acct') {
      if (!check.requestAuthenticator) return drop('bad-request-authenticator');
      replyCode = CODE.accountingResponse;
    } else {
      return drop('unsupported-code');
    }

    const reply = buildResponse(request, replyCode, secret, { messageAuthenticator: !options.omitMessageAuthenticator });
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

/** The probe account, with its password revealed by this server's secret (a wrong one yields garbage). */
function credentialsMatch(request: Packet, secret: Buffer, options: RadiusServerOptions): boolean {
  if (options.probeUser === undefined) return false;
  const name = firstAttribute(request, ATTRIBUTE.userName)?.toString('utf8');
  const password = userPassword(request, secret);
  return name === options.probeUser.username && password !== undefined && password.equals(Buffer.from(options.probeUser.password, 'utf8'));
}
