import { z } from 'zod';
import { defineProbe } from './types.js';

// Placeholder until the ftp probe is written: it reports a local error and never sends a packet.
const ftpProbe = defineProbe({
  kind: 'ftp',
  transport: 'tcp',
  summary: 'ftp probe (not implemented yet)',
  optionsSchema: z.object({}).strict(),
  reasons: {},
  async run() {
    return { state: 'error', reason: 'local-error', message: 'probe not implemented', timings: { total: 0 } };
  },
});

export default ftpProbe;
