import { randomBytes, randomInt } from 'node:crypto';
import { z } from 'zod';
import type { RadiusCredentials } from '../src/core/credentials.js';
import {
  ATTRIBUTE,
  buildRequest,
  CODE,
  CODE_NAMES,
  hidePassword,
  parseReply,
  type Reply,
  replyMessage,
  type Request,
  verifyReply,
} from './protocols/radius/packet.js';
import { REPLY_TO_ANOTHER_REQUEST, type Received, remainingMs } from './kit/udp-exchange.js';
import { udpProbe, type UdpConversation } from './kit/udp-probe.js';
import { defineReasons } from '../src/core/reasons.js';
import { defineProbe, type Evidence, type Finding, type Outcome, type ReasonOf } from '../src/core/probe.js';

const optionsSchema = z
  .object({
    accessRequest: z
      .boolean()
      .default(false)
      .describe(
        'Also send an Access-Request for the inventory\'s probeUser (never any other account): after a ' +
          'verified Status-Server on an authentication port, and in place of a silent Status-Server, where it ' +
          'is sent without Message-Authenticator to reveal a wrong shared secret. Off by default: RFC 5997 ' +
          'advises against login attempts for liveness (they are logged, alerted on, and delayed).',
      ),
    nasIdentifier: z
      .string()
      .min(1)
      .max(64)
      .default('psm-netcheck')
      .describe('NAS-Identifier of Access-Requests, so that the server\'s log names the prober.'),
  })
  .strict();

type Options = z.infer<typeof optionsSchema>;
type ProbeUser = NonNullable<RadiusCredentials['probeUser']>;

const reasons = defineReasons({
  'status-server-ok': { outcome: 'ok', summary: 'the server answered Status-Server and the reply verifies with the shared secret' },
  'access-accept': { outcome: 'ok', summary: 'the probe user was accepted: server reachable, client known, secret right' },
  'access-reject-ok': {
    outcome: 'ok',
    summary: 'the probe user was rejected with a verified reply: server reachable, client known, secret right',
  },
  'access-challenge': { outcome: 'ok', summary: 'the server challenged the probe user with a verified reply: reachable, secret right' },
  'shared-secret-mismatch': {
    outcome: 'fail',
    summary: 'the server answered, but its reply does not verify with the inventory\'s shared secret',
  },
  'no-response': {
    outcome: 'fail',
    retryable: true,
    summary: 'no response: filtered, unknown client, wrong secret, or Status-Server disabled (all silent by design)',
  },
  'access-request-unanswered': {
    outcome: 'warn',
    summary: 'Status-Server was answered but the Access-Request was not (a policy that drops it, or a reject delay past the deadline)',
  },
});

type Reason = ReasonOf<typeof reasons>;

const SILENCE = 'no response: filtered, unknown client or wrong secret (or Status-Server disabled)';
// Accounting ports answer Status-Server with Accounting-Response; an Access-Request makes no sense there.
const ACCOUNTING_PORTS: ReadonlySet<number> = new Set([1813, 1646]);
const RESPONSE_CODES: ReadonlySet<number> = new Set([CODE.accessAccept, CODE.accessReject, CODE.accountingResponse, CODE.accessChallenge]);

/**
 * RADIUS (UDP 1812/1813): Status-Server (RFC 5997) with Message-Authenticator and the shared
 * secret. Every reply is verified (Response Authenticator and Message-Authenticator); a reply
 * without Message-Authenticator is a BlastRADIUS finding. No packet is ever retransmitted and
 * every packet has a new Identifier.
 */
const radiusProbe = defineProbe({
  kind: 'radius',
  transport: 'udp',
  summary: 'RADIUS Status-Server with Message-Authenticator, reply verified with the shared secret',
  optionsSchema,
  reasons,
  run: (target, ctx) =>
    udpProbe(target, ctx, { port: 1812 }, async (udp) => {
      const probe = new RadiusExchange(udp);
      const credentials = ctx.credentials.radius;
      if (credentials === undefined) return probe.withoutSecret();
      const port = target.port ?? 1812;
      const probeUser = ctx.options.accessRequest && !ACCOUNTING_PORTS.has(port) ? credentials.probeUser : undefined;
      return probe.run(credentials, ctx.options, probeUser, ctx.timeoutMs);
    }),
});

export default radiusProbe;

interface Answer {
  readonly reply: Reply;
  readonly request: Request;
}

type Facts = Outcome<Reason>;

class RadiusExchange {
  readonly #udp: UdpConversation;
  readonly #outstanding: Request[] = [];
  readonly #findings: Finding[] = [];
  // A random first Identifier, then the next ones: never the same twice in one run.
  #nextId = randomInt(256);

  constructor(udp: UdpConversation) {
    this.#udp = udp;
  }

  /** `probeUser` is set when an Access-Request may be sent (option on, authentication port, user in the inventory). */
  async run(credentials: RadiusCredentials, options: Options, probeUser: ProbeUser | undefined, timeoutMs: number): Promise<Facts> {
    const secret = Buffer.from(credentials.secret.reveal(), 'utf8');
    const status = buildRequest(CODE.statusServer, this.#id(), secret, [], true);
    const failed = await this.#send(status);
    if (failed) return failed;
    // With a fallback to come, Status-Server gets half the time left; a late answer still counts after.
    const first = await this.#receive(probeUser !== undefined ? remainingMs(timeoutMs, this.#udp.clock) / 2 : undefined);

    if (first.end === 'reply') {
      this.#udp.clock.mark('status-server');
      const checked = this.#verify(first.value, secret);
      if (checked !== undefined) return checked;
      if (probeUser !== undefined && first.value.reply.code === CODE.accessAccept) {
        return this.#accessRequest(probeUser, options, secret, true);
      }
      return this.#facts('status-server-ok', `Status-Server answered: ${codeName(first.value.reply.code)}`, first.value.reply);
    }
    if (first.end !== 'wait-over' || probeUser === undefined) return this.#silence(first);

    // Status-Server went unanswered. Without Message-Authenticator, a server that knows this client
    // but has another secret still answers, with a reply that fails verification (shared notes §6).
    this.#findings.push({ code: 'radius-status-server-silent', severity: 'info', message: 'Status-Server got no answer' });
    return this.#accessRequest(probeUser, options, secret, false);
  }

  /** No secret in the inventory: a Status-Server signed with a random one can only show a closed port. */
  async withoutSecret(): Promise<Facts> {
    const failed = await this.#send(buildRequest(CODE.statusServer, this.#id(), randomBytes(16), [], true));
    if (failed) return failed;
    const received = await this.#receive(undefined);
    const message = 'no RADIUS secret in the inventory: the server drops the Status-Server (it may log a secret mismatch)';
    if (received.end !== 'reply') return this.#udp.withoutReply(received, { message });
    return this.#facts('not-tested-missing-credentials', 'the server answered a Status-Server that carried no known secret', received.value.reply);
  }

  async #accessRequest(user: ProbeUser, options: Options, secret: Buffer, withMessageAuthenticator: boolean): Promise<Facts> {
    const authenticator = randomBytes(16);
    const attributes = [
      [ATTRIBUTE.userName, Buffer.from(user.username, 'utf8')],
      [ATTRIBUTE.userPassword, hidePassword(Buffer.from(user.password.reveal(), 'utf8'), secret, authenticator)],
      [ATTRIBUTE.nasIdentifier, Buffer.from(options.nasIdentifier, 'utf8')],
    ] as const;
    const request = buildRequest(CODE.accessRequest, this.#id(), secret, attributes, withMessageAuthenticator, authenticator);
    const failed = await this.#send(request);
    if (failed) return failed;
    const received = await this.#receive(undefined);
    if (received.end !== 'reply') {
      if (withMessageAuthenticator && received.end === 'timeout' && this.#udp.exchange.ignored === 0) {
        return this.#facts('access-request-unanswered', 'Status-Server answered, the Access-Request did not', undefined);
      }
      return this.#silence(received);
    }
    this.#udp.clock.mark('access-request');
    const checked = this.#verify(received.value, secret);
    if (checked !== undefined) return checked;
    const { reply, request: answered } = received.value;
    if (answered.packet[0] === CODE.accessRequest && !withMessageAuthenticator) {
      this.#findings.push({
        code: 'radius-request-without-message-authenticator-accepted',
        severity: 'warn',
        message: 'the server processed an Access-Request without Message-Authenticator (BlastRADIUS, CVE-2024-3596: require it)',
      });
    }
    const text = replyMessage(reply);
    const suffix = text === undefined ? '' : ` (${text})`;
    switch (reply.code) {
      case CODE.accessAccept:
        return this.#facts('access-accept', `probe user accepted${suffix}`, reply);
      case CODE.accessReject:
        return this.#facts('access-reject-ok', `probe user rejected with a verified reply: server and secret are fine${suffix}`, reply);
      case CODE.accessChallenge:
        return this.#facts('access-challenge', `probe user challenged${suffix}`, reply);
      default:
        return this.#facts('status-server-ok', `answered ${codeName(reply.code)}`, reply);
    }
  }

  /** Undefined when the reply verifies; otherwise the mismatch facts. Records the BlastRADIUS findings. */
  #verify(answer: Answer, secret: Buffer): Facts | undefined {
    const verification = verifyReply(answer.reply, answer.request, secret);
    if (!verification.authenticator || verification.messageAuthenticator === 'invalid') {
      const what = !verification.authenticator ? 'Response Authenticator' : 'Message-Authenticator';
      return this.#facts(
        'shared-secret-mismatch',
        `${codeName(answer.reply.code)} received, but its ${what} does not verify: the server knows this client with another secret`,
        answer.reply,
      );
    }
    if (verification.messageAuthenticator === 'absent') {
      this.#findings.push({
        code: 'radius-no-message-authenticator',
        severity: 'warn',
        message: 'the reply has no Message-Authenticator (BlastRADIUS, CVE-2024-3596: the server should send it first in every reply)',
      });
    } else if (!verification.messageAuthenticatorFirst) {
      this.#findings.push({
        code: 'radius-message-authenticator-not-first',
        severity: 'info',
        message: 'the reply\'s Message-Authenticator is not its first attribute (BlastRADIUS guidance puts it first)',
      });
    }
    return undefined;
  }

  #id(): number {
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) % 256;
    return id;
  }

  async #send(request: Request): Promise<Facts | undefined> {
    this.#outstanding.push(request);
    const failure = await this.#udp.exchange.send(request.packet);
    return failure === undefined ? undefined : this.#udp.withoutReply({ end: 'error', failure }, { message: SILENCE });
  }

  /**
   * A reply to any request still outstanding (a late Status-Server answer counts too). A reply
   * whose Identifier matches none of them answers another request (RFC 2865 §3): it is set
   * aside, and the wait goes on.
   */
  #receive(waitMs: number | undefined): Promise<Received<Answer>> {
    return this.#udp.receive((datagram) => {
      const reply = parseReply(datagram);
      if (reply === undefined || !RESPONSE_CODES.has(reply.code)) return undefined;
      const request = this.#outstanding.find((sent) => sent.identifier === reply.identifier);
      return request === undefined ? REPLY_TO_ANOTHER_REQUEST : { reply, request };
    }, waitMs);
  }

  #silence(end: Exclude<Received<Answer>, { end: 'reply' }>): Facts {
    const facts = this.#udp.withoutReply(end, { message: SILENCE, reason: 'no-response' });
    return this.#findings.length > 0 ? { ...facts, findings: [...this.#findings] } : facts;
  }

  #facts(reason: Reason, message: string, reply: Reply | undefined): Facts {
    const evidence: Evidence = {
      ...(reply === undefined ? {} : { replyCode: codeName(reply.code) }),
      ...(reply === undefined ? {} : { messageAuthenticator: messageAuthenticatorState(reply) }),
      ...this.#udp.exchange.evidence(),
    };
    return {
      state: 'open',
      reason,
      message,
      evidence,
      ...(this.#findings.length > 0 ? { findings: [...this.#findings] } : {}),
    };
  }
}

function codeName(code: number): string {
  return CODE_NAMES[code] ?? `code ${code}`;
}

function messageAuthenticatorState(reply: Reply): string {
  const index = reply.attributes.findIndex(([type]) => type === ATTRIBUTE.messageAuthenticator);
  return index < 0 ? 'absent' : index === 0 ? 'first' : 'present';
}
