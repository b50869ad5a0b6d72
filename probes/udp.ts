import { z } from 'zod';
import { defineProbe } from './types.js';

// Placeholder until the udp probe is written: it reports a local error and never sends a packet.
const udpProbe = defineProbe({
  kind: 'udp',
  transport: 'udp',
  summary: 'udp probe (not implemented yet)',
  optionsSchema: z.object({}).strict(),
  reasons: {},
  async run() {
    return { state: 'error', reason: 'local-error', message: 'probe not implemented', timings: { total: 0 } };
  },
});

export default udpProbe;
