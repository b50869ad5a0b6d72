import { z } from 'zod';
import { defineReasons } from '../src/core/reasons.js';
import type { Matcher } from './kit/bounded-reader.js';
import { PhaseClock } from '../src/core/clock.js';
import {
  buildQuery,
  loadDnsPacket,
  parseResponse,
  type DnsPacket,
  type MalformedResponse,
  type Query,
  type Response,
} from './protocols/dns/message.js';
import { libraryFailureFacts } from './kit/lazy-module.js';
import { openTcp } from './kit/tcp-probe.js';
import { udpProbe, type UdpOutcome } from './kit/udp-probe.js';
import { defineProbe, type Evidence, type Outcome, type ReasonOf } from '../src/core/probe.js';

const RECORD_TYPES = ['A', 'AAAA', 'SOA', 'NS', 'PTR', 'MX', 'TXT', 'CNAME', 'SRV', 'CAA'] as const;

const optionsSchema = z
  .object({
    query: z
      .string()
      .min(1)
      .max(253)
      .regex(/^(?:\.|[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.?)$/, 'a domain name, or "." for the root')
      .default('.')
      .describe(
        'Name to ask for. The default, the root, is something any server answers at once (a resolver from ' +
          'cache or its root hints, an authoritative server with REFUSED or a referral); set a name the server ' +
          'serves (e.g. the PSM server\'s own name, type A) to check the answer itself.',
      ),
    type: z
      .enum(RECORD_TYPES)
      .default('SOA')
      .describe('Record type to ask for; SOA fits the default root query, use A or AAAA with a host name.'),
    recursionDesired: z
      .boolean()
      .default(true)
      .describe('Set RD: true for resolvers (expect RA in the answer), false for authoritative-only servers (expect AA).'),
    edns: z
      .boolean()
      .default(true)
      .describe('Send an EDNS0 OPT record (payload 1232): larger UDP answers, and Extended DNS Errors (RFC 8914) in the evidence.'),
    tcpFallback: z
      .boolean()
      .default(true)
      .describe('Repeat the query over TCP when the UDP answer is truncated (TC=1), as RFC 1035 §4.2.1 requires.'),
  })
  .strict();

type Options = z.infer<typeof optionsSchema>;

const reasons = defineReasons({
  'dns-noerror': { outcome: 'ok', summary: 'the server answered NOERROR (with answers, or none: NODATA)' },
  'dns-nxdomain': {
    outcome: 'warn',
    summary: 'service up, answer NXDOMAIN: the name does not exist there (check the query option)',
  },
  'dns-refused': {
    outcome: 'warn',
    summary: 'service up, answer REFUSED: its policy does not serve this client or name (ACL, or not authoritative and no recursion)',
  },
  'dns-servfail': {
    outcome: 'warn',
    summary: 'service up, answer SERVFAIL: it could not resolve (upstream unreachable or DNSSEC failure)',
  },
  'dns-other-rcode': { outcome: 'warn', summary: 'service up, answered with another error RCODE (see evidence)' },
  'dns-tcp-failed': {
    outcome: 'warn',
    summary: 'UDP answered but truncated, and the TCP retry failed: large answers will not get through',
  },
  'dns-malformed': {
    outcome: 'fail',
    summary: 'the server answered this query (its ID) with a message that does not decode, e.g. a compression loop',
  },
});

const RCODE_REASONS: Readonly<Record<string, Reason>> = {
  NOERROR: 'dns-noerror',
  NXDOMAIN: 'dns-nxdomain',
  REFUSED: 'dns-refused',
  SERVFAIL: 'dns-servfail',
};

/**
 * DNS (UDP 53): one query straight to the target server with a random ID, over the connected UDP
 * socket; a truncated answer is repeated over TCP. Any well-formed answer proves the service up;
 * its RCODE says how it answered.
 */
const dnsProbe = defineProbe({
  kind: 'dns',
  transport: 'udp',
  summary: 'DNS query to the server itself: RCODE, answers, AA/RA flags; TCP when truncated',
  optionsSchema,
  reasons,
  async prepare() {
    await loadDnsPacket();
  },
  async run(target, ctx) {
    // Before the clock starts: only the first probe of the process waits for it, and not on the network.
    const library = await loadDnsPacket();
    if (!library.ok) return libraryFailureFacts(library, new PhaseClock());
    const codec = library.module;
    const port = target.port ?? 53;
    return udpProbe(target, ctx, { port }, async (udp): Promise<UdpOutcome<Reason>> => {
      const query = buildQuery(codec, ctx.options.query, ctx.options.type, ctx.options.recursionDesired, ctx.options.edns);
      const received = await udp.ask(query.packet, (datagram) => parseResponse(codec, datagram, query));
      if (received.end !== 'reply') {
        return udp.withoutReply(received, { message: 'no answer: filtered, down, or a forwarder still waiting on a dead upstream' });
      }
      udp.clock.mark('udp');
      const response = received.value;
      if ('malformed' in response) return malformed(response, 'udp', udp.exchange.evidence());
      const extra = udp.exchange.evidence();
      if (!response.truncated || !ctx.options.tcpFallback) return answered(response, 'udp', ctx.options, extra);
      const udpBytes = udp.bytesRead;
      udp.exchange.close();
      return overTcp(codec, udp.ip, port, query, ctx.options, { signal: ctx.signal, maxBytes: Math.max(0, ctx.maxBytes - udpBytes) }, udp.clock, udpBytes, response);
    });
  },
});

export default dnsProbe;

// ---- helpers ----

type Reason = ReasonOf<typeof reasons>;

/** DNS over TCP: a 2-octet length, then the message (RFC 1035 §4.2.2). */
const lengthPrefixed: Matcher = (buffer) => {
  if (buffer.length < 2) return -1;
  const length = 2 + buffer.readUInt16BE(0);
  return buffer.length >= length ? length : -1;
};

/** The query again over TCP, after a truncated UDP answer; the TCP answer must not be truncated in turn. */
async function overTcp(
  codec: DnsPacket,
  ip: string,
  port: number,
  query: Query,
  options: Options,
  budget: { readonly signal: AbortSignal; readonly maxBytes: number },
  clock: PhaseClock,
  udpBytes: number,
  truncated: Response,
): Promise<UdpOutcome<Reason>> {
  const tcpFailed = (message: string, bytesRead: number): UdpOutcome<Reason> => ({
    state: 'open',
    reason: 'dns-tcp-failed',
    message: `UDP answer truncated (${truncated.rcode}); over TCP: ${message}`,
    bytesRead,
    evidence: { rcode: truncated.rcode, truncated: true, transport: 'udp' },
  });
  const opened = await openTcp(ip, port, budget, clock);
  if (!opened.ok) {
    if (opened.reason === 'aborted') return { state: 'error', reason: 'aborted', message: 'run interrupted' };
    return tcpFailed(`${opened.state} (${opened.reason})`, udpBytes);
  }
  const { conn } = opened;
  try {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(query.packet.length);
    conn.write(Buffer.concat([length, query.packet]));
    const read = await conn.reader.read(lengthPrefixed, conn.signal);
    const bytesRead = udpBytes + conn.bytesRead;
    switch (read.end) {
      case 'matched': {
        clock.mark('tcp');
        const response = parseResponse(codec, read.data.subarray(2), query);
        if (response === undefined) return tcpFailed('the reply is not an answer to the query', bytesRead);
        if ('malformed' in response) return { ...malformed(response, 'tcp', {}), bytesRead };
        // TCP carries the whole answer (RFC 7766 §6.2.1): TC set here is a broken server, not an answer.
        if (response.truncated) return tcpFailed(`the answer is truncated again (TC set over TCP, ${response.answers.length} answer(s))`, bytesRead);
        return { ...answered(response, 'tcp', options, {}), bytesRead };
      }
      case 'limit':
        return { state: 'open', reason: 'response-too-large', message: 'the TCP answer exceeds the byte limit', bytesRead };
      case 'aborted':
        return { state: 'error', reason: 'aborted', message: 'run interrupted', bytesRead };
      case 'timeout':
        return tcpFailed('no answer before the deadline', bytesRead);
      default:
        return tcpFailed(`connection ended (${read.errorCode ?? read.end})`, bytesRead);
    }
  } finally {
    conn.close();
  }
}
function answered(response: Response, transport: 'udp' | 'tcp', options: Options, extra: Evidence): Outcome<Reason> {
  const reason = RCODE_REASONS[response.rcode] ?? 'dns-other-rcode';
  const evidence: Evidence = {
    rcode: response.rcode,
    answers: response.answers,
    aa: response.authoritative,
    ra: response.recursionAvailable,
    transport,
    ...(response.truncated ? { truncated: true } : {}),
    ...(response.ede.length > 0 ? { ede: response.ede } : {}),
    ...extra,
  };
  const question = `${options.query} ${options.type}`;
  const detail = response.ede.length > 0 ? ` (${response.ede.join('; ')})` : '';
  const message =
    response.rcode === 'NOERROR'
      ? `${question}: ${response.answers.length} answer(s) over ${transport.toUpperCase()}`
      : `service up, answer ${response.rcode} for ${question}${detail}`;
  return { state: 'open', reason, message, evidence };
}

/** The server's answer to this query does not decode: reported at once, not waited on. */
function malformed(response: MalformedResponse, transport: 'udp' | 'tcp', extra: Evidence): Outcome<Reason> {
  return {
    state: 'open',
    reason: 'dns-malformed',
    message: `the answer to this query is malformed: ${response.malformed}`,
    evidence: { transport, ...extra },
  };
}
