import { z } from 'zod';
import { PhaseClock } from '../src/core/clock.js';
import { machineAddresses, prepareRequest, replyFacts } from './protocols/responder/facts.js';
import { MAX_LINE, parseReply, RESPONDER_REASONS, type ParsedReply } from './protocols/responder/protocol.js';
import { abortedResult } from './kit/tcp-connect.js';
import { endedWithoutReply, UdpExchange, udpFailureFacts } from './kit/udp-exchange.js';
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
    const clock = new PhaseClock();
    if (ctx.signal.aborted) return udpFailureFacts(abortedResult(ctx.signal), clock);
    const request = prepareRequest(ctx.credentials.responder, clock);
    if (!request.ok) return request.facts;

    const opened = await UdpExchange.open(target.address, target.port ?? 0, ctx, clock);
    if (!opened.ok) return udpFailureFacts(opened, clock);
    const exchange = opened.exchange;
    try {
      const sendFailure = await exchange.send(request.bytes);
      if (sendFailure !== undefined) return udpFailureFacts(sendFailure, clock, exchange);
      // Datagrams that are not a responder line (or answer another request) are counted and ignored.
      const accept = (datagram: Buffer): ParsedReply | undefined => (datagram.length <= MAX_LINE ? parseReply(datagram) : undefined);
      const received = await exchange.receive(accept);
      if (received.end !== 'reply') {
        return endedWithoutReply(received, exchange, clock, {
          reason: 'responder-silent',
          message: 'no answer: a firewall drops the datagram (either way), or no responder listens on this port',
        });
      }
      clock.mark('answer');
      const own = { kind: 'machine' as const, addresses: machineAddresses() };
      return replyFacts(received.value, request.token, request.nonce, own, clock, exchange.bytesRead);
    } finally {
      exchange.close();
    }
  },
});

export default responderUdp;
