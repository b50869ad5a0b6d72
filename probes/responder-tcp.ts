import { z } from 'zod';
import { abortedResult, connectFailureFacts, connectTcp } from './kit/tcp-connect.js';
import { BoundedReader, lineMatcher } from './kit/bounded-reader.js';
import { PhaseClock } from '../src/core/clock.js';
import { closeAfter } from './kit/close.js';
import { printable } from './kit/printable.js';
import { readEndFacts } from './kit/read-end.js';
import { prepareRequest, replyFacts } from './protocols/responder/facts.js';
import { MAX_LINE, parseReply, RESPONDER_REASONS } from './protocols/responder/protocol.js';
import { defineProbe, type ProbeFacts } from '../src/core/probe.js';

/**
 * A TCP port of a host where PSM is not installed yet, answered by `psm-netcheck respond`
 * (docs/responder.md): connect, send one signed request, read one answer that carries the source
 * address and port the responder saw. Proves the path through every firewall to the port, and
 * shows NAT when the responder saw another source than this socket's.
 */
const responderTcp = defineProbe({
  kind: 'responder-tcp',
  transport: 'tcp',
  summary: 'TCP port answered by `psm-netcheck respond` (before install): path verified, the source the responder saw, NAT',
  optionsSchema: z.object({}).strict(),
  reasons: RESPONDER_REASONS,
  async run(target, ctx) {
    const clock = new PhaseClock();
    if (ctx.signal.aborted) return connectFailureFacts(abortedResult(ctx.signal), clock);
    const request = prepareRequest(ctx.credentials.responder, clock);
    if (!request.ok) return request.facts;

    const connected = await connectTcp(target.address, target.port ?? 0, ctx.signal, clock);
    if (!connected.ok) return connectFailureFacts(connected, clock);
    const socket = connected.socket;
    const limit = Math.min(ctx.maxBytes, MAX_LINE);
    const reader = new BoundedReader(socket, limit);
    const own = { kind: 'socket' as const, address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    socket.write(request.bytes);
    const read = await reader.read(lineMatcher(MAX_LINE), ctx.signal);
    closeAfter(socket, reader.bytesRead, limit);

    if (read.end === 'matched') {
      clock.mark('answer');
      const reply = parseReply(read.data);
      if (reply !== undefined) return replyFacts(reply, request.token, request.nonce, own, clock, reader.bytesRead);
      return otherService(read.data, clock, reader.bytesRead);
    }
    if (read.data.length > 0 && read.end !== 'limit' && read.end !== 'aborted') {
      return otherService(read.data, clock, reader.bytesRead);
    }
    if (read.end === 'eof' || read.end === 'timeout') {
      return {
        state: 'open',
        reason: 'responder-silent',
        message:
          read.end === 'eof'
            ? 'connected, then closed without an answer: the responder ignores peers it does not know, or another service dropped the request'
            : 'connected, but no answer before the deadline',
        timings: clock.done(),
        bytesRead: reader.bytesRead,
      };
    }
    const facts = readEndFacts(read.end, 'responder answer', read.errorCode);
    return { ...facts, timings: clock.done(), bytesRead: reader.bytesRead };
  },
});

/** Something answered that is not the responder: a service is already installed on this port. */
function otherService(data: Buffer, clock: PhaseClock, bytesRead: number): ProbeFacts {
  const banner = printable(data, 120);
  return {
    state: 'open',
    reason: 'other-service',
    message: banner === '' ? 'the peer answered, but not with the responder protocol' : `the peer answered "${banner}"`,
    evidence: banner === '' ? {} : { banner },
    timings: clock.done(),
    bytesRead,
  };
}

export default responderTcp;
