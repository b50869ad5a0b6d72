import { z } from 'zod';
import { BoundedReader, type Matcher } from './kit/bounded-reader.js';
import { PhaseClock } from '../src/core/clock.js';
import { buildQuery, loadDnsPacket, parseResponse, type DnsPacket, type Query, type Response } from './protocols/dns/message.js';
import { libraryFailureFacts } from './kit/lazy-module.js';
import { closeGently, connectTcp } from './kit/tcp-connect.js';
import { endedWithoutReply, UdpExchange, udpFailureFacts } from './kit/udp-exchange.js';
import { defineProbe, type Evidence, type ProbeContext, type ProbeFacts } from '../src/core/probe.js';

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

const RCODE_REASONS: Readonly<Record<string, string>> = {
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
  reasons: {
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
  },
  async prepare() {
    await loadDnsPacket();
  },
  async run(target, ctx) {
    // Before the clock starts: only the first probe of the process waits for it, and not on the network.
    const library = await loadDnsPacket();
    const clock = new PhaseClock();
    if (!library.ok) return libraryFailureFacts(library, clock);
    const codec = library.module;
    const port = target.port ?? 53;
    const opened = await UdpExchange.open(target.address, port, ctx, clock);
    if (!opened.ok) return udpFailureFacts(opened, clock);
    const exchange = opened.exchange;
    let udpBytes = 0;
    try {
      const query = buildQuery(codec, ctx.options.query, ctx.options.type, ctx.options.recursionDesired, ctx.options.edns);
      const sent = await exchange.send(query.packet);
      if (sent !== undefined) return udpFailureFacts(sent, clock, exchange);
      const received = await exchange.receive((datagram) => parseResponse(codec, datagram, query));
      if (received.end !== 'reply') {
        return endedWithoutReply(received, exchange, clock, {
          message: 'no answer: filtered, down, or a forwarder still waiting on a dead upstream',
        });
      }
      clock.mark('udp');
      udpBytes = exchange.bytesRead;
      const extra = exchange.evidence();
      exchange.close();
      if (!received.value.truncated || !ctx.options.tcpFallback) {
        return answered(received.value, 'udp', clock, udpBytes, ctx.options, extra);
      }
      return await overTcp(codec, exchange.ip, port, query, ctx, clock, udpBytes, received.value);
    } finally {
      exchange.close();
    }
  },
});

export default dnsProbe;

/** DNS over TCP: a 2-octet length, then the message (RFC 1035 §4.2.2). */
const lengthPrefixed: Matcher = (buffer) => {
  if (buffer.length < 2) return -1;
  const length = 2 + buffer.readUInt16BE(0);
  return buffer.length >= length ? length : -1;
};

async function overTcp(
  codec: DnsPacket,
  ip: string,
  port: number,
  query: Query,
  ctx: ProbeContext<Options>,
  clock: PhaseClock,
  udpBytes: number,
  truncated: Response,
): Promise<ProbeFacts> {
  const tcpFailed = (message: string, bytesRead: number): ProbeFacts => ({
    state: 'open',
    reason: 'dns-tcp-failed',
    message: `UDP answer truncated (${truncated.rcode}); over TCP: ${message}`,
    timings: clock.done(),
    bytesRead,
    evidence: { rcode: truncated.rcode, truncated: true, transport: 'udp' },
  });
  const connected = await connectTcp(ip, port, ctx.signal, clock);
  if (!connected.ok) {
    if (connected.reason === 'aborted') return { state: 'error', reason: 'aborted', message: 'run interrupted', timings: clock.done() };
    return tcpFailed(`${connected.state} (${connected.reason})`, udpBytes);
  }
  const socket = connected.socket;
  const reader = new BoundedReader(socket, Math.max(0, ctx.maxBytes - udpBytes));
  try {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(query.packet.length);
    socket.write(Buffer.concat([length, query.packet]));
    const read = await reader.read(lengthPrefixed, ctx.signal);
    const bytesRead = udpBytes + reader.bytesRead;
    switch (read.end) {
      case 'matched': {
        clock.mark('tcp');
        const response = parseResponse(codec, read.data.subarray(2), query);
        if (response === undefined) return tcpFailed('the reply is not an answer to the query', bytesRead);
        return answered(response, 'tcp', clock, bytesRead, ctx.options, {});
      }
      case 'limit':
        return { state: 'open', reason: 'response-too-large', message: 'the TCP answer exceeds the byte limit', timings: clock.done(), bytesRead };
      case 'aborted':
        return { state: 'error', reason: 'aborted', message: 'run interrupted', timings: clock.done(), bytesRead };
      case 'timeout':
        return tcpFailed('no answer before the deadline', bytesRead);
      default:
        return tcpFailed(`connection ended (${read.errorCode ?? read.end})`, bytesRead);
    }
  } finally {
    closeGently(socket);
  }
}

function answered(response: Response, transport: 'udp' | 'tcp', clock: PhaseClock, bytesRead: number, options: Options, extra: Evidence): ProbeFacts {
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
  return { state: 'open', reason, message, timings: clock.done(), bytesRead, evidence };
}
