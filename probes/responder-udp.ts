import { z } from 'zod';
import { PhaseClock } from '../src/core/clock.js';
import { machineAddresses, prepareRequest, replyFacts } from './protocols/responder/facts.js';
import { MAX_LINE, parseReply, RESPONDER_REASONS, type ParsedReply } from './protocols/responder/protocol.js';
import { abortedResult } from './kit/tcp-connect.js';
import { udpFailureFacts } from './kit/udp-exchange.js';
import { udpProbe } from './kit/udp-probe.js';
import { defineProbe } from '../src/core/probe.js';

/**
 * A UDP port of a host where PSM is not installed yet (traps 162/1620, NTP 123, RADIUS
 * 1812/1813), answered by `psm-netcheck respond`: one signed datagram out, one answer back that
 * carries the source address and port the responder saw. Unlike a bare UDP probe, silence here is
 * a failure: the responder always answers a valid request from a peer of its inventory.
 */
const responderUdp = defineProbe({
  kind: 'responder-udp',
  transport: 'udp',
  summary: 'UDP port answered by `psm-netcheck respond` (before install): path verified, the source the responder saw, NAT',
  optionsSchema: z.object({}).strict(),
  reasons: RESPONDER_REASONS,
  async run(target, ctx) {
    if (ctx.signal.aborted) return udpFailureFacts(abortedResult(ctx.signal), new PhaseClock());
    const request = prepareRequest(ctx.credentials.responder, new PhaseClock());
    if (!request.ok) return request.facts;

    return udpProbe(target, ctx, { port: 0 }, async (udp) => {
      // Datagrams that are not a responder line (or answer another request) are counted and ignored.
      const accept = (datagram: Buffer): ParsedReply | undefined => (datagram.length <= MAX_LINE ? parseReply(datagram) : undefined);
      const received = await udp.ask(request.bytes, accept);
      if (received.end !== 'reply') {
        return udp.withoutReply(received, {
          reason: 'responder-silent',
          message: 'no answer: a firewall drops the datagram (either way), or no responder listens on this port',
        });
      }
      udp.clock.mark('answer');
      const own = { kind: 'machine' as const, addresses: machineAddresses() };
      return replyFacts(received.value, request.token, request.nonce, own);
    });
  },
});

export default responderUdp;
