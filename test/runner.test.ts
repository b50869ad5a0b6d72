import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeFor, type ProbeKind } from '../probes/registry.js';
import type { PlannedProbe } from '../src/planner/types.js';
import { elementKeys } from '../src/runner/elements.js';
import { runPlan } from '../src/runner/run.js';
import { LATE_MS } from '../src/runner/loop-delay.js';
import { capturingLogger } from './support/probe-context.js';
import { scriptedUdpPeer, type UdpPeer } from './support/udp-peer.js';

function planned(kind: ProbeKind, target: string, address: string, port: number): PlannedProbe {
  const transport = probeFor(kind).transport;
  return {
    id: `${target}/${address}/${transport}/${port}/${kind}`,
    rows: ['test'],
    tables: [],
    application: 'test',
    probe: kind,
    target,
    targetRole: 'psm-server',
    address,
    transport,
    port,
    expected: 'open',
    options: probeFor(kind).optionsSchema.parse({}),
    credentials: {},
  };
}

const settings = (overrides: { timeoutMs?: number; retries?: number; onDrained?: () => void } = {}) => ({
  timeoutMs: 1000,
  retries: 0,
  concurrency: 16,
  perHostConcurrency: 4,
  maxBytes: 65536,
  maxRate: 0,
  source: 'vantage',
  signal: new AbortController().signal,
  log: capturingLogger().log,
  ...overrides,
});

describe('the per-host limit is per network element', () => {
  it('inventory hosts on one address are one element; one host\'s addresses stay one element', () => {
    const keys = elementKeys([
      { target: 'ne-a', address: '198.51.100.1' },
      { target: 'ne-a-readonly', address: '198.51.100.1' },
      { target: 'dual', address: '198.51.100.2' },
      { target: 'dual', address: '2001:db8::2' },
      { target: 'other', address: '198.51.100.3' },
      // The same IPv6 address written in capitals is the same address.
      { target: 'dual-again', address: '2001:DB8::2' },
    ]);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).toBe(keys[3]);
    expect(keys[5]).toBe(keys[2]);
    expect(new Set(keys).size).toBe(3);
    expect(keys[4]).not.toBe(keys[0]);
    expect(keys[4]).not.toBe(keys[2]);
  });
});

describe('runPlan timings', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  it('timings.total spans every attempt, and each attempt keeps its own timings', async () => {
    // A UDP peer that reads and never answers: the ntp probe times out and is retried once.
    const peer: UdpPeer = await scriptedUdpPeer(() => undefined);
    closers.push(() => peer.close());
    const outcome = await runPlan([planned('ntp', 'silent', '127.0.0.1', peer.port)], settings({ timeoutMs: 150, retries: 1 }));
    const [result] = outcome.results;
    expect(result?.attempts).toBe(2);
    expect(result?.attemptTimings).toHaveLength(2);
    const each = (result?.attemptTimings ?? []).map((timings) => timings.total);
    // Structure, not a speed: the whole is at least its parts (and the pause between them).
    expect(result?.timings.total).toBeGreaterThanOrEqual((each[0] ?? 0) + (each[1] ?? 0));
  });

  it('a single attempt has no attemptTimings', async () => {
    const peer: UdpPeer = await scriptedUdpPeer(() => undefined);
    closers.push(() => peer.close());
    const outcome = await runPlan([planned('ntp', 'silent', '127.0.0.1', peer.port)], settings({ timeoutMs: 100 }));
    expect(outcome.results[0]?.attempts).toBe(1);
    expect(outcome.results[0]).not.toHaveProperty('attemptTimings');
  });

  it('a result timed while the event loop was blocked says so, and the run counts it', async () => {
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    // Once every probe has started, block the loop: the connect's answer waits behind it.
    const block = (): void => {
      const until = Date.now() + 20 * LATE_MS;
      while (Date.now() < until);
    };
    const outcome = await runPlan([planned('tcp', 'peer', '127.0.0.1', port)], settings({ onDrained: block }));
    const [result] = outcome.results;
    expect(result?.state).toBe('open');
    expect(result?.loopLateMs).toBeGreaterThanOrEqual(LATE_MS);
    expect(outcome.loopDelay.lateResults).toBe(1);
    expect(outcome.loopDelay.lateMs).toBe(LATE_MS);
  });
});
