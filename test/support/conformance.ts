import { beforeAll, describe, expect, it } from 'vitest';
import type { ProbeDefinition } from '../../src/core/probe.js';
import { scenariosFor } from './conformance/scenarios.js';

/**
 * The contract every probe keeps, whatever its protocol: it resolves (never rejects) on a closed
 * port, a silent peer, a peer that talks garbage or resets; it stops at its deadline and when the
 * run is interrupted; it stops reading a flood at its byte budget (counted by the peer, not taken
 * from the probe's word); it closes its sockets; it reports only reason codes it declares; and no
 * credential reaches its result or its logs.
 *
 * Each scenario returns the promises it saw broken (conformance/scenarios.ts), so that the broken
 * probes in test/fixtures/broken-probes/ can be shown to fail it. The scenarios of one probe run
 * at the same time, each with its own peer: the suite's time is about its slowest scenario.
 */
export function probeConformance(probe: ProbeDefinition<unknown>): void {
  describe.concurrent(`probe conformance: ${probe.kind}`, () => {
    // As the runner does before the first deadline: loading a library is not the probe's time.
    beforeAll(async () => {
      await probe.prepare?.();
    });
    for (const scenario of scenariosFor(probe)) {
      it(scenario.title, async () => {
        expect(await scenario.check(probe)).toEqual([]);
      });
    }
  });
}
