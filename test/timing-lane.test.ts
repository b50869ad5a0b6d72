import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { probeFor, type ProbeKind } from '../probes/registry.js';
import { DeadlineError } from '../src/core/abort.js';
import type { PlannedProbe } from '../src/planner/types.js';
import type * as RunModule from '../src/runner/run.js';
import type * as LaneModule from '../src/runner/timing-lane.js';
import type * as LoopModule from '../src/runner/loop-delay.js';
import { capturingLogger } from './support/probe-context.js';
import { ntpServer } from './support/ntp-server.js';
import { scriptedUdpPeer, type UdpPeer } from './support/udp-peer.js';

// The lane's thread runs compiled JavaScript: these tests use the build (`npm test` builds first),
// as the CLI tests do. From the TypeScript sources the lane is off (TimingLane.available()).
const { runPlan } = (await import(new URL('../dist/src/runner/run.js', import.meta.url).href)) as typeof RunModule;
const { TimingLane, laneWorthIt } = (await import(new URL('../dist/src/runner/timing-lane.js', import.meta.url).href)) as typeof LaneModule;
const { LATE_MS } = (await import(new URL('../dist/src/runner/loop-delay.js', import.meta.url).href)) as typeof LoopModule;

function planned(kind: ProbeKind, target: string, port: number): PlannedProbe {
  const transport = probeFor(kind).transport;
  return {
    id: `${target}/127.0.0.1/${transport}/${port}/${kind}`,
    rows: ['test'],
    tables: [],
    application: 'test',
    probe: kind,
    target,
    targetRole: 'psm-server',
    address: '127.0.0.1',
    transport,
    port,
    expected: 'open',
    options: probeFor(kind).optionsSchema.parse({}),
    credentials: {},
  };
}

const settings = (signal = new AbortController().signal) => ({
  timeoutMs: 1000,
  retries: 0,
  concurrency: 16,
  perHostConcurrency: 4,
  maxBytes: 65536,
  maxRate: 0,
  source: 'vantage',
  signal,
  log: capturingLogger().log,
});

describe('the timing lane (NTP and TCP connect in a thread of their own)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  it('is used only for a plan that mixes timing probes with others, and is built', () => {
    expect(TimingLane.available()).toBe(true);
    expect(laneWorthIt(['tcp'])).toBe(false);
    expect(laneWorthIt(['tcp', 'ntp'])).toBe(false);
    expect(laneWorthIt(['tcp', 'ssh'])).toBe(true);
    expect(laneWorthIt(['ssh'])).toBe(false);
  });

  it('a mixed plan: the lane\'s NTP and TCP results come back as on the main loop, and silence is a timeout', async () => {
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const ntp = await ntpServer();
    closers.push(() => ntp.close());
    const silent: UdpPeer = await scriptedUdpPeer(() => undefined);
    closers.push(() => silent.close());
    const tcpPort = (server.address() as { port: number }).port;
    const outcome = await runPlan(
      [planned('tcp', 'a', tcpPort), planned('ntp', 'b', ntp.port), planned('ntp', 'c', silent.port), planned('udp', 'd', silent.port)],
      { ...settings(), timeoutMs: 2000 },
    );
    expect(outcome.complete).toBe(true);
    expect(outcome.results.map((r) => [r.probe, r.state, r.reason])).toEqual([
      ['tcp', 'open', 'connected'],
      ['ntp', 'open', 'ntp-synchronized'],
      ['ntp', 'open|filtered', 'no-reply'],
      ['udp', 'open|filtered', expect.any(String)],
    ]);
    // The report says how many were timed in the lane (the udp probe stays on the main loop).
    expect(outcome.loopDelay.laneResults).toBe(3);
    expect(outcome.results[1]?.evidence).toMatchObject({ samples: expect.any(Number) });
  });

  /** A loopback listener that accepts and closes, and what `lane.run('tcp', ...)` needs to probe it. */
  async function tcpCall() {
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const ctx = { signal: new AbortController().signal, timeoutMs: 2000, options: probeFor('tcp').optionsSchema.parse({}), credentials: {}, maxBytes: 65536, log: capturingLogger().log };
    return { ctx, target: { host: 'peer', address: '127.0.0.1', port, transport: 'tcp' as const } };
  }

  it('a lane result timed while the lane\'s own loop was blocked says so, and close() gives that loop\'s figures', async () => {
    const { ctx, target } = await tcpCall();
    const lane = new TimingLane();
    await lane.ready;
    // Not blocked: no mark. Then the lane's loop is blocked right after the probe starts.
    const quiet = await lane.run('tcp', target, ctx);
    expect(quiet.facts.state).toBe('open');
    const running = lane.run('tcp', target, ctx);
    lane.stall(20 * LATE_MS);
    const blocked = await running;
    expect(blocked.facts.state).toBe('open');
    expect(blocked.loopLateMs).toBeGreaterThanOrEqual(LATE_MS);
    // The histogram records the stall only once the monitor's own timer has fired after it, which
    // a loaded machine can delay past close(): the figures' shape is checked, not their size.
    const summary = await lane.close();
    expect(summary).toMatchObject({ p50Ms: expect.any(Number), p99Ms: expect.any(Number), maxMs: expect.any(Number) });
  });

  it('requests wait their turn in the lane; one aborted while waiting comes back as its timeout, the others as they are', async () => {
    const { ctx, target } = await tcpCall();
    const lane = new TimingLane();
    closers.push(async () => void (await lane.close()));
    await lane.ready;
    // A burst of 40 in one turn (as the main thread posts them), then one whose deadline fires at once.
    const burst = Array.from({ length: 40 }, () => lane.run('tcp', target, ctx));
    const controller = new AbortController();
    const late = lane.run('tcp', target, { ...ctx, signal: controller.signal });
    controller.abort(new DeadlineError(ctx.timeoutMs));
    const outcomes = await Promise.all(burst);
    expect(outcomes.map((outcome) => outcome.facts.state)).toEqual(Array<string>(40).fill('open'));
    expect((await late).facts).toMatchObject({ state: 'filtered', reason: 'timeout' });
  });

  it('the lane asks to run ahead of the main thread where it may (root), and never changes the main thread', async () => {
    const before = os.getPriority();
    const lane = new TimingLane();
    closers.push(async () => void (await lane.close()));
    await lane.ready;
    // Without CAP_SYS_NICE (bit 23 of the effective set) the kernel refuses and the lane runs at
    // the main thread's priority.
    const effective = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'}`);
    expect(lane.raised).toBe((effective & (1n << 23n)) !== 0n);
    expect(os.getPriority()).toBe(before);
  });

  it('a mixed run reports the lane\'s loop beside the main one', async () => {
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const silent: UdpPeer = await scriptedUdpPeer(() => undefined);
    closers.push(() => silent.close());
    const port = (server.address() as { port: number }).port;
    const outcome = await runPlan([planned('tcp', 'a', port), planned('udp', 'd', silent.port)], { ...settings(), timeoutMs: 300 });
    expect(outcome.loopDelay.lane).toEqual({ p50Ms: expect.any(Number), p99Ms: expect.any(Number), maxMs: expect.any(Number) });
    const mainOnly = await runPlan([planned('tcp', 'a', port)], settings());
    expect(mainOnly.loopDelay).not.toHaveProperty('lane');
  });

  it('shutdown stops the lane\'s probes: they are left out of the incomplete report', async () => {
    const silent: UdpPeer = await scriptedUdpPeer(() => undefined);
    closers.push(() => silent.close());
    const controller = new AbortController();
    const running = runPlan([planned('ntp', 'c', silent.port), planned('udp', 'd', silent.port)], { ...settings(controller.signal), timeoutMs: 5000 });
    setTimeout(() => controller.abort(), 200);
    const outcome = await running;
    expect(outcome.complete).toBe(false);
    expect(outcome.results).toEqual([]);
  });
});
