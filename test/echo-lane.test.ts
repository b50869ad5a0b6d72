import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeFor, type ProbeKind } from '../probes/registry.js';
import type { PlannedProbe } from '../src/planner/types.js';
import type * as RunModule from '../src/runner/run.js';
import type * as LaneModule from '../src/runner/timing-lane.js';
import { capturingLogger } from './support/probe-context.js';
import { missing, root, titleWith } from './support/skip.js';

// The echo lane's process runs compiled JavaScript: these tests use the build, as timing-lane.test.ts does.
const { runPlan } = (await import(new URL('../dist/src/runner/run.js', import.meta.url).href)) as typeof RunModule;
const { ECHO_KINDS, laneWorthIt } = (await import(new URL('../dist/src/runner/timing-lane.js', import.meta.url).href)) as typeof LaneModule;

function planned(kind: ProbeKind, address: string, port: number | undefined): PlannedProbe {
  const transport = probeFor(kind).transport;
  return {
    id: `${address}/${transport}/${port ?? '-'}/${kind}`,
    rows: ['test'],
    tables: [],
    application: 'test',
    probe: kind,
    target: address,
    targetRole: 'network-element',
    address,
    transport,
    port,
    expected: 'open',
    options: probeFor(kind).optionsSchema.parse({}),
    credentials: {},
  };
}

const noRoot = missing(root);

/**
 * ICMP echo in a mixed run goes to a process of its own (src/runner/timing-lane.ts, ECHO_KINDS):
 * raw-socket reads one datagram per turn of the loop, and a full check's main loop turns slowly.
 * Loopback answers every echo, so every one of them must come back as a reply however busy the
 * main loop is kept; nothing here asserts a time.
 */
describe.skipIf(noRoot)(titleWith('the echo lane (ICMP echo in a process of its own)', noRoot), () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  it('is used only for a plan that mixes ICMP with other kinds', () => {
    expect(laneWorthIt(['icmp'], ECHO_KINDS)).toBe(false);
    expect(laneWorthIt(['icmp', 'tcp'], ECHO_KINDS)).toBe(true);
    expect(laneWorthIt(['tcp', 'ssh'], ECHO_KINDS)).toBe(false);
  });

  it('1,500 pings among 1,500 TCP probes while the main loop is kept busy: every echo is answered', async () => {
    // A port that was just free: the TCP probes are refused at once, and quick answers widen the
    // run's admission as a full check's do, so hundreds of pings are in flight together.
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    // 127.0.0.0/8 is all loopback: 1,500 distinct targets of each kind.
    const at = (net: number, i: number): string => `127.${net}.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`;
    const plan = Array.from({ length: 1500 }, (_, i) => [planned('icmp', at(4, i), undefined), planned('tcp', at(5, i), port)]).flat();
    // Every turn of the main loop takes 3 ms, as in a full check whose turns each run thousands
    // of other probes' callbacks (raw-socket on this loop reads one datagram per turn).
    let busy = true;
    const turn = (): void => {
      const until = Date.now() + 3;
      while (Date.now() < until);
      if (busy) setImmediate(turn);
    };
    setImmediate(turn);
    closers.push(async () => {
      busy = false;
    });
    // Measured with the lane off (the bench's timingLane: false): about 1,400 of the 1,500 time out.
    const outcome = await runPlan(plan, {
      timeoutMs: 2000,
      retries: 0,
      concurrency: 2048,
      perHostConcurrency: 4,
      maxBytes: 65536,
      maxRate: 0,
      source: 'vantage',
      signal: new AbortController().signal,
      log: capturingLogger().log,
    });
    busy = false;
    expect(outcome.complete).toBe(true);
    const icmp = outcome.results.filter((r) => r.probe === 'icmp');
    expect(icmp).toHaveLength(1500);
    expect(icmp.filter((r) => r.reason !== 'echo-reply').map((r) => `${r.address} ${r.reason}`)).toEqual([]);
    expect(icmp[0]?.evidence).toMatchObject({ method: 'raw-socket', rttMs: expect.any(Number) });
    expect(outcome.loopDelay.lane).toBeDefined();
  });
});
