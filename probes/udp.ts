import { z } from 'zod';
import { udpProbe } from './kit/udp-probe.js';
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
const udp = defineProbe({
  kind: 'udp',
  transport: 'udp',
  summary: 'UDP datagram: closed on ICMP port unreachable, open on any reply, open|filtered on silence',
  optionsSchema,
  reasons: {
    'udp-reply': { outcome: 'ok', summary: 'the port answered the datagram: something listens there' },
  },
  run: (target, ctx) =>
    udpProbe(target, ctx, { port: 0 }, async (udp) => {
      const received = await udp.ask(Buffer.from(ctx.options.payload, 'hex'), (datagram) => datagram);
      if (received.end !== 'reply') {
        return udp.withoutReply(received, {
          message: 'no reply: one-way UDP cannot be proven open (open, or dropped on the way); only a reject shows closed',
        });
      }
      udp.clock.mark('reply');
      return {
        state: 'open',
        reason: 'udp-reply',
        message: `${received.datagram.length}-byte reply`,
        evidence: { replyBytes: received.datagram.length, ...(udp.ip === target.address ? {} : { ip: udp.ip }) },
      };
    }),
});

export default udp;
