import { z } from 'zod';
import { defineProbe } from './types.js';

// Placeholder until the ssh probe is written: it reports a local error and never sends a packet.
const sshProbe = defineProbe({
  kind: 'ssh',
  transport: 'tcp',
  summary: 'ssh probe (not implemented yet)',
  optionsSchema: z.object({}).strict(),
  reasons: {},
  async run() {
    return { state: 'error', reason: 'local-error', message: 'probe not implemented', timings: { total: 0 } };
  },
});

export default sshProbe;
