import { z } from 'zod';
import { defineProbe } from './types.js';

// Placeholder until the netconf probe is written: it reports a local error and never sends a packet.
const netconfProbe = defineProbe({
  kind: 'netconf',
  transport: 'tcp',
  summary: 'netconf probe (not implemented yet)',
  optionsSchema: z.object({}).strict(),
  reasons: {},
  async run() {
    return { state: 'error', reason: 'local-error', message: 'probe not implemented', timings: { total: 0 } };
  },
});

export default netconfProbe;
