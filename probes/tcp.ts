import { z } from 'zod';
import { PhaseClock } from './lib/clock.js';
import { closeGently, connectFailureFacts, connectTcp } from './lib/tcp-connect.js';
import { defineProbe, type Evidence } from './types.js';

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
    const connected = await connectTcp(target.address, target.port ?? 0, ctx.signal, clock);
    if (!connected.ok) return connectFailureFacts(connected, clock);
    closeGently(connected.socket);
    const evidence: Evidence = connected.ip === target.address ? {} : { ip: connected.ip };
    return { state: 'open', reason: 'connected', timings: clock.done(), evidence };
  },
});

export default tcpProbe;
