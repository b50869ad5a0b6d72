import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { defineReasons } from '../src/core/reasons.js';
import { ms } from '../src/core/clock.js';
import { buildRequest, kissCode, type NtpReply, offsetAndDelay, parseReply, refIdText, toDate, toNtp } from './protocols/ntp/packet.js';
import { remainingMs, type UdpExchange } from './kit/udp-exchange.js';
import { udpProbe, type UdpConversation } from './kit/udp-probe.js';
import { defineProbe, type Evidence, type Outcome, type ReasonOf } from '../src/core/probe.js';

const optionsSchema = z
  .object({
    maxOffsetMs: z
      .number()
      .positive()
      .default(1000)
      .describe('Largest clock offset between this host and the server, in ms, before the result warns (offset-too-large).'),
    samples: z
      .number()
      .int()
      .min(1)
      .max(8)
      .default(4)
      .describe(
        'Requests sent one after another once the server has answered, as long as the deadline allows; the reply with the lowest round-trip delay gives the offset (the RFC 5905 clock filter).',
      ),
  })
  .strict();

const LEAP = ['none', 'insert-second', 'delete-second', 'unsynchronized'] as const;
const UNSYNCHRONIZED = 3;
/** Kiss codes that mean "stop asking": access control (RFC 5905 §7.4). */
const DENIED: ReadonlySet<string> = new Set(['DENY', 'RSTR']);

const reasons = defineReasons({
  'ntp-synchronized': { outcome: 'ok', summary: 'the server answered, synchronized, with an offset within bounds' },
  'ntp-unsynchronized': {
    outcome: 'warn',
    summary: 'the server answers but is not synchronized (leap indicator 3 / stratum 0 without kiss code): clients will not use it',
  },
  'offset-too-large': { outcome: 'warn', summary: 'the server\'s time differs from this host\'s by more than maxOffsetMs' },
  'kod-deny': {
    outcome: 'fail',
    summary: 'kiss-o\'-death DENY/RSTR: the server\'s access control refuses this client',
  },
  'kod-rate': { outcome: 'warn', summary: 'kiss-o\'-death RATE: the server asks this client to poll less often' },
  'kod-other': { outcome: 'warn', summary: 'kiss-o\'-death with another code (see message)' },
});

type Reason = ReasonOf<typeof reasons>;

/**
 * NTP (UDP 123): SNTP client requests (mode 3), each with a random nonce as its Transmit
 * Timestamp. Only a reply from the queried address and port (the socket is connected) whose
 * Origin equals the nonce is taken. Never mode 6/7. The source port is ephemeral even where the
 * matrix says NTP runs 123 to 123: servers answer clients from any port.
 *
 * A reply's delay and offset include any time the reply waited for this process (another probe's
 * work in the same event loop), which only ever adds to the delay. So, as NTP clients do (the
 * RFC 5905 clock filter), once the server has answered the probe takes a few more samples, one
 * at a time and within the deadline, and keeps the one with the lowest delay. A later request that
 * goes unanswered or draws a kiss code ends the sampling; the first reply's facts stand.
 */
const ntpProbe = defineProbe({
  kind: 'ntp',
  transport: 'udp',
  summary: 'SNTP request: stratum, leap, reference, offset and delay; unsynchronized and kiss-o\'-death named',
  optionsSchema,
  reasons,
  run: (target, ctx) =>
    udpProbe(target, ctx, { port: 123 }, async (udp) => {
      const first = await sample(udp);
      if (first.end !== 'reply') {
        return udp.withoutReply(first, {
          message: 'no answer: filtered, no server, or rate-limited (chrony drops over-eager clients silently)',
        });
      }
      udp.clock.mark('reply');
      let best = first;
      let taken = 1;
      while (taken < ctx.options.samples && isPlainReply(best.reply)) {
        const left = remainingMs(ctx.timeoutMs, udp.clock);
        // An extra sample may wait a few times the first one's delay, never into the deadline's margin.
        const waitMs = Math.min(left - DEADLINE_MARGIN_MS, Math.max(EXTRA_WAIT_MIN_MS, 4 * best.delayMs));
        if (waitMs < EXTRA_WAIT_MIN_MS) break;
        const next = await sample(udp, waitMs);
        if (next.end !== 'reply' || !isPlainReply(next.reply)) break;
        taken++;
        if (next.delayMs < best.delayMs) best = next;
      }
      udp.clock.mark('samples');
      return judgeReply(best.reply, best.t1, best.t4, ctx.options.maxOffsetMs, udp.exchange, taken);
    }),
});

/** Margin left before the deadline when deciding on another sample (its reply must be read in time). */
const DEADLINE_MARGIN_MS = 50;
/**
 * The least an extra sample waits for its reply: generous, since on a loaded host the reply may
 * wait for a core that long; a server that drops the extra requests costs this once per probe.
 */
const EXTRA_WAIT_MIN_MS = 250;

type Sample =
  | { readonly end: 'reply'; readonly reply: NtpReply; readonly t1: bigint; readonly t4: bigint; readonly delayMs: number }
  | Exclude<Awaited<ReturnType<UdpConversation['ask']>>, { end: 'reply' }>;

/** One request and its reply, with the client's send (t1) and receive (t4) timestamps. */
async function sample(udp: UdpConversation, waitMs?: number): Promise<Sample> {
  const request = buildRequest();
  const sentAt = performance.now();
  const t1 = toNtp(performance.timeOrigin + sentAt);
  const received = await udp.ask(request.packet, (datagram) => parseReply(datagram, request), waitMs);
  if (received.end !== 'reply') return received;
  const t4 = toNtp(performance.timeOrigin + received.at);
  const reply = received.value;
  return { end: 'reply', reply, t1, t4, delayMs: offsetAndDelay(t1, reply.receive, reply.transmit, t4).delayMs };
}

/** A reply worth another sample: not a kiss code, so its offset and delay mean something. */
function isPlainReply(reply: NtpReply): boolean {
  return reply.stratum !== 0;
}

export default ntpProbe;

function judgeReply(reply: NtpReply, t1: bigint, t4: bigint, maxOffsetMs: number, exchange: UdpExchange, samples: number): Outcome<Reason> {
  const base = { state: 'open' as const };
  const common: Evidence = {
    stratum: reply.stratum,
    leap: LEAP[reply.leap] ?? String(reply.leap),
    version: reply.version,
    samples,
    ...exchange.evidence(),
  };

  if (reply.stratum === 0) {
    const code = kissCode(reply.refId);
    if (code !== undefined) {
      const reason = DENIED.has(code) ? 'kod-deny' : code === 'RATE' ? 'kod-rate' : 'kod-other';
      return { ...base, reason, message: `kiss-o'-death ${code}`, evidence: { ...common, kissCode: code } };
    }
  }
  const { offsetMs, delayMs } = offsetAndDelay(t1, reply.receive, reply.transmit, t4);
  const evidence: Evidence = {
    ...common,
    refId: refIdText(reply.stratum, reply.refId),
    offsetMs: ms(offsetMs),
    delayMs: ms(delayMs),
    rootDelayMs: ms(reply.rootDelayMs),
    rootDispersionMs: ms(reply.rootDispersionMs),
    serverTime: toDate(reply.transmit).toISOString(),
  };
  if (reply.leap === UNSYNCHRONIZED || reply.stratum === 0 || reply.stratum >= 16) {
    return { ...base, reason: 'ntp-unsynchronized', message: `not synchronized (leap ${reply.leap}, stratum ${reply.stratum})`, evidence };
  }
  if (Math.abs(offsetMs) > maxOffsetMs) {
    return {
      ...base,
      reason: 'offset-too-large',
      message: `offset ${Math.round(offsetMs)} ms exceeds ${maxOffsetMs} ms (stratum ${reply.stratum})`,
      evidence,
    };
  }
  return { ...base, reason: 'ntp-synchronized', message: `stratum ${reply.stratum}, offset ${offsetMs.toFixed(1)} ms`, evidence };
}
