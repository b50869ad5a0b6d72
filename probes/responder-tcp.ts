import { z } from 'zod';
import { abortedResult, connectFailureFacts } from './kit/tcp-connect.js';
import { lineMatcher } from './kit/bounded-reader.js';
import { PhaseClock } from '../src/core/clock.js';
import { printable } from './kit/printable.js';
import { readEndFacts } from './kit/read-end.js';
import { tcpProbe } from './kit/tcp-probe.js';
import { prepareRequest, replyFacts } from './protocols/responder/facts.js';
import { MAX_LINE, parseReply, RESPONDER_REASONS } from './protocols/responder/protocol.js';
import { defineProbe, type Outcome } from '../src/core/probe.js';

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
    if (ctx.signal.aborted) return connectFailureFacts(abortedResult(ctx.signal), new PhaseClock());
    const request = prepareRequest(ctx.credentials.responder, new PhaseClock());
    if (!request.ok) return request.facts;

    // An answer is one line of at most MAX_LINE bytes: nothing past that is ever read.
    return tcpProbe(target, ctx, { port: 0, maxBytes: MAX_LINE }, async (conn) => {
      const own = { kind: 'socket' as const, address: conn.socket.localAddress ?? '', port: conn.socket.localPort ?? 0 };
      conn.write(request.bytes);
      const read = await conn.reader.read(lineMatcher(MAX_LINE), conn.signal);
      conn.close();

      if (read.end === 'matched') {
        conn.clock.mark('answer');
        const reply = parseReply(read.data);
        return reply === undefined ? otherService(read.data) : replyFacts(reply, request.token, request.nonce, own);
      }
      if (read.data.length > 0 && read.end !== 'limit' && read.end !== 'aborted') return otherService(read.data);
      if (read.end === 'eof' || read.end === 'timeout') {
        return {
          state: 'open',
          reason: 'responder-silent',
          message:
            read.end === 'eof'
              ? 'connected, then closed without an answer: the responder ignores peers it does not know, or another service dropped the request'
              : 'connected, but no answer before the deadline',
        };
      }
      return readEndFacts(read.end, 'responder answer', read.errorCode);
    });
  },
});

/** Something answered that is not the responder: a service is already installed on this port. */
function otherService(data: Buffer): Outcome<'other-service'> {
  const banner = printable(data, 120);
  return {
    state: 'open',
    reason: 'other-service',
    message: banner === '' ? 'the peer answered, but not with the responder protocol' : `the peer answered "${banner}"`,
    evidence: banner === '' ? {} : { banner },
  };
}

export default responderTcp;
