import { z } from 'zod';
import { PhaseClock } from '../src/core/clock.js';
import { connectFailureFacts } from './kit/tcp-connect.js';
import { connectThenClose } from './kit/connect-only.js';
import { defineProbe, type Evidence } from '../src/core/probe.js';

/**
 * TCP connect: the transport state of a port and nothing more. Used where no application probe
 * fits (JMX, TACACS+, PSM's replication and notification ranges). Closes with FIN right after
 * the handshake.
 */
const tcpProbe = defineProbe({
  kind: 'tcp',
  transport: 'tcp',
  summary: 'TCP connect: open / closed / filtered with the reason and the connect time',
  optionsSchema: z.object({}).strict(),
  reasons: {},
  async run(target, ctx) {
    const clock = new PhaseClock();
    const connected = await connectThenClose(target.address, target.port ?? 0, ctx.signal, clock, ctx.maxBytes);
    if (!connected.ok) return connectFailureFacts(connected, clock);
    // No evidence object when there is nothing to say: a sweep keeps tens of thousands of results.
    if (connected.ip === target.address) return { state: 'open', reason: 'connected', timings: clock.done() };
    const evidence: Evidence = { ip: connected.ip };
    return { state: 'open', reason: 'connected', timings: clock.done(), evidence };
  },
});

export default tcpProbe;
