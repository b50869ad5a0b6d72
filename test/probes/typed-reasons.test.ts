import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineProbe, type ProbeFacts, type ReasonOf } from '../../src/core/probe.js';
import { defineReasons } from '../../src/core/reasons.js';
import { tcpProbe } from '../../probes/kit/tcp-probe.js';
import { udpProbe } from '../../probes/kit/udp-probe.js';

const reasons = defineReasons({ 'demo-ok': { outcome: 'ok', summary: 'the demo answered' } });
const base = { transport: 'tcp', summary: 'a probe that exists only for the type checks', optionsSchema: z.object({}).strict(), reasons } as const;
const timings = { total: 0 };

export const wrongInRun = defineProbe({
  ...base,
  kind: 'demo-run',
  // @ts-expect-error a code that neither the probe nor the transport catalogue declares
  async run() {
    return { state: 'open', reason: 'demo-okk', timings };
  },
});

export const wrongInTcpConversation = defineProbe({
  ...base,
  kind: 'demo-tcp',
  run: (target, ctx) =>
    // @ts-expect-error the kit helpers keep to the probe's codes too: 'ftp-ok' is the ftp probe's
    tcpProbe(target, ctx, { port: 1 }, async () => {
      return { state: 'open', reason: 'ftp-ok' };
    }),
});

export const wrongInUdpConversation = defineProbe({
  ...base,
  kind: 'demo-udp',
  run: (target, ctx) =>
    // @ts-expect-error another probe's code is not this probe's
    udpProbe(target, ctx, { port: 1 }, async () => {
      return { state: 'open', reason: 'ntp-synchronized' };
    }),
});

export const right = defineProbe({
  ...base,
  kind: 'demo-right',
  run: (target, ctx) =>
    tcpProbe(target, ctx, { port: 1 }, async (conn) => (conn.bytesRead > 0 ? { state: 'open', reason: 'demo-ok' } : { state: 'open', reason: 'no-banner' })),
});

// A helper typed with the probe's codes refuses a typo where it is written.
// @ts-expect-error 'demo-okk' is not a ReasonOf<typeof reasons>
const typo: ProbeFacts<ReasonOf<typeof reasons>> = { state: 'open', reason: 'demo-okk', timings };

describe('typed reason codes', () => {
  it('are checked by the compiler (`npm run typecheck` fails if a @ts-expect-error line compiles)', () => {
    // The checks above are compile-time; at run time the probes are plain objects.
    expect(Object.keys(right.reasons)).toEqual(['demo-ok']);
    expect(typo.reason).toBe('demo-okk');
  });
});
