import { z } from 'zod';
import { defineProbe } from './types.js';

// Placeholder until the tl1 probe is written: it reports a local error and never sends a packet.
const tl1Probe = defineProbe({
  kind: 'tl1',
  transport: 'tcp',
  summary: 'tl1 probe (not implemented yet)',
  optionsSchema: z.object({}).strict(),
  reasons: {},
  async run() {
    return { state: 'error', reason: 'local-error', message: 'probe not implemented', timings: { total: 0 } };
  },
});

export default tl1Probe;
