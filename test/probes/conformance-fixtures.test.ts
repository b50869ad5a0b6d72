import { describe, expect, it } from 'vitest';
import type { ProbeDefinition } from '../../src/core/probe.js';
import { conformanceProblems } from '../support/conformance/scenarios.js';
import wellBehavedTcp from '../fixtures/broken-probes/well-behaved-tcp.js';
import wellBehavedUdp from '../fixtures/broken-probes/well-behaved-udp.js';
import overrunsDeadline from '../fixtures/broken-probes/overruns-deadline.js';
import ignoresAbort from '../fixtures/broken-probes/ignores-abort.js';
import unboundedRead from '../fixtures/broken-probes/unbounded-read.js';
import unboundedUdpRead from '../fixtures/broken-probes/unbounded-udp-read.js';
import throwsOnGarbage from '../fixtures/broken-probes/throws-on-garbage.js';
import undeclaredReason from '../fixtures/broken-probes/undeclared-reason.js';
import leaksSocket from '../fixtures/broken-probes/leaks-socket.js';
import leaksUdpSocket from '../fixtures/broken-probes/leaks-udp-socket.js';
import leaksCredential from '../fixtures/broken-probes/leaks-credential.js';

/**
 * The conformance suite can fail: each broken probe (test/fixtures/broken-probes/, one broken
 * promise each) gets exactly the problems of its broken promise from the suite's own scenarios,
 * and none other; the well-behaved probes they depart from get none. A problem list that is not
 * empty is what fails a real probe's conformance test (test/support/conformance.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each fixture has its own (empty) option type
const CASES: readonly { probe: ProbeDefinition<any>; breaks: readonly RegExp[] }[] = [
  { probe: wellBehavedTcp, breaks: [] },
  { probe: wellBehavedUdp, breaks: [] },
  { probe: overrunsDeadline, breaks: [/overran its deadline/] },
  { probe: ignoresAbort, breaks: [/ignored the abort/] },
  { probe: unboundedRead, breaks: [/read past its byte budget/] },
  { probe: unboundedUdpRead, breaks: [/read past its byte budget/, /reported no bytesRead/] },
  { probe: throwsOnGarbage, breaks: [/threw for remote behaviour/] },
  { probe: undeclaredReason, breaks: [/undeclared reason "garbled-banner"/] },
  { probe: leaksSocket, breaks: [/leaked a socket/] },
  { probe: leaksUdpSocket, breaks: [/leaked a socket/] },
  { probe: leaksCredential, breaks: [/leaked a credential into its logs/] },
];

describe.concurrent('the conformance suite', () => {
  for (const { probe, breaks } of CASES) {
    const title = breaks.length === 0 ? `passes ${probe.kind}` : `fails ${probe.kind}, for that alone`;
    it(title, async () => {
      const problems = await conformanceProblems(probe as ProbeDefinition<unknown>);
      for (const broken of breaks) expect(problems.some((p) => broken.test(p)), `${broken} among ${JSON.stringify(problems)}`).toBe(true);
      expect(problems.filter((p) => !breaks.some((broken) => broken.test(p)))).toEqual([]);
    });
  }
});
