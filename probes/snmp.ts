import { z } from 'zod';
import { defineProbe } from './types.js';

// Placeholder until the snmp probe is written: it reports a local error and never sends a packet.
const snmpProbe = defineProbe({
  kind: 'snmp',
  transport: 'udp',
  summary: 'snmp probe (not implemented yet)',
  optionsSchema: z.object({}).strict(),
  reasons: {},
  async run() {
    return { state: 'error', reason: 'local-error', message: 'probe not implemented', timings: { total: 0 } };
  },
});

export default snmpProbe;
