import { z } from 'zod';
import { PhaseClock } from '../src/core/clock.js';
import { endedWithoutReply, UdpExchange, udpFailureFacts } from './kit/udp-exchange.js';
import { defineProbe } from '../src/core/probe.js';

const optionsSchema = z
  .object({
    payload: z
      .string()
      .regex(/^(?:[0-9a-fA-F]{2})*$/, 'hex octets, e.g. "0d0a"')
      .max(1024)
      .default('')
      .describe(
        'Datagram to send, as hex octets. Empty by default: an empty datagram is meaningless to any ' +
          'application (syslog ignores it) yet still draws an ICMP port unreachable from a closed port.',
      ),
  })
  .strict();

/**
 * Generic UDP: for ports with no application probe (syslog 514, traceroute 33434-33436, ...).
 * Tells closed (ICMP port unreachable) from open|filtered (silence). One-way protocols never
 * answer, so silence is the best such a port can show; a reply of any kind proves it open.
 */
const udpProbe = defineProbe({
  kind: 'udp',
  transport: 'udp',
  summary: 'UDP datagram: closed on ICMP port unreachable, open on any reply, open|filtered on silence',
  optionsSchema,
  reasons: {
    'udp-reply': { outcome: 'ok', summary: 'the port answered the datagram: something listens there' },
  },
  async run(target, ctx) {
    const clock = new PhaseClock();
    const opened = await UdpExchange.open(target.address, target.port ?? 0, ctx, clock);
    if (!opened.ok) return udpFailureFacts(opened, clock);
    const exchange = opened.exchange;
    try {
      const sent = await exchange.send(Buffer.from(ctx.options.payload, 'hex'));
      if (sent !== undefined) return udpFailureFacts(sent, clock, exchange);
      const received = await exchange.receive((datagram) => datagram);
      if (received.end !== 'reply') {
        return endedWithoutReply(received, exchange, clock, {
          message: 'no reply: one-way UDP cannot be proven open (open, or dropped on the way); only a reject shows closed',
        });
      }
      clock.mark('reply');
      return {
        state: 'open',
        reason: 'udp-reply',
        message: `${received.datagram.length}-byte reply`,
        timings: clock.done(),
        bytesRead: exchange.bytesRead,
        evidence: { replyBytes: received.datagram.length, ...(exchange.ip === target.address ? {} : { ip: exchange.ip }) },
      };
    } finally {
      exchange.close();
    }
  },
});

export default udpProbe;
