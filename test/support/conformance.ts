import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeDefinition, ProbeFacts, ProbeTarget } from '../../src/core/probe.js';
import { Secret } from '../../src/core/secret.js';
import type { HostCredentials } from '../../src/core/credentials.js';
import { TRANSPORT_STATES } from '../../src/core/model.js';
import { TRANSPORT_REASONS } from '../../src/core/transport-reasons.js';
import * as peers from './hostile-peers.js';
import { capturingLogger, runProbe } from './probe-context.js';

/**
 * The contract every probe keeps, whatever its protocol: it resolves (never rejects) on a
 * refused port, a silent peer and a peer that talks garbage; it stops at its deadline and on
 * abort; it reads no more than its byte limit; it fills its timings; it reports only reason codes
 * it declares; and no credential reaches its result or its logs.
 */

const MARKER = 'S3cr3t-marker-7f1c';
const CREDENTIALS: HostCredentials = {
  ssh: { username: 'netcheck', password: new Secret(`${MARKER}-ssh`) },
  snmp: { version: '2c', community: new Secret(`${MARKER}-community`) },
  radius: {
    secret: new Secret(`${MARKER}-radius`),
    probeUser: { username: 'probe', password: new Secret(`${MARKER}-radius-user`) },
  },
  responder: { name: 'conformance-prober', token: new Secret(`${MARKER}-responder`) },
};

export function probeConformance<O>(probe: ProbeDefinition<O>): void {
  const known = new Set([...Object.keys(TRANSPORT_REASONS), ...Object.keys(probe.reasons)]);
  const lines: string[] = [];
  const { log, lines: logLines } = capturingLogger();

  const target = (port: number | undefined): ProbeTarget => ({
    host: 'conformance-peer',
    address: '127.0.0.1',
    port: probe.transport === 'icmp' ? undefined : port,
    transport: probe.transport,
  });

  async function run(port: number | undefined, extra: { timeoutMs?: number; maxBytes?: number; parent?: AbortSignal } = {}): Promise<ProbeFacts> {
    const facts = await runProbe(probe, target(port), { credentials: CREDENTIALS, log, timeoutMs: 800, ...extra });
    lines.push(JSON.stringify(facts));
    expect(TRANSPORT_STATES).toContain(facts.state);
    expect(known, `reason "${facts.reason}" is not declared`).toContain(facts.reason);
    expect(Number.isFinite(facts.timings.total)).toBe(true);
    expect(facts.timings.total).toBeGreaterThanOrEqual(0);
    for (const value of Object.values(facts.timings)) expect(Number.isFinite(value)).toBe(true);
    return facts;
  }

  describe(`probe conformance: ${probe.kind}`, () => {
    const open: peers.Peer[] = [];
    let silent = 0;
    let garbage = 0;
    let flood = 0;
    let closed = 0;

    beforeAll(async () => {
      const isUdp = probe.transport === 'udp';
      const started = await Promise.all(
        isUdp
          ? [peers.silentUdpPeer(), peers.garbageUdpPeer(), peers.floodingUdpPeer()]
          : [peers.silentTcpPeer(), peers.garbageTcpPeer(), peers.floodingTcpPeer()],
      );
      open.push(...started);
      [silent, garbage, flood] = started.map((peer) => peer.port) as [number, number, number];
      closed = isUdp ? await peers.closedUdpPort() : await peers.closedTcpPort();
    });
    afterAll(async () => {
      await Promise.all(open.map((peer) => peer.close()));
    });

    it('resolves on a port with nothing listening', async () => {
      const facts = await run(closed);
      if (probe.transport !== 'icmp') expect(facts.state).toBe('closed');
    });

    it('resolves on a silent peer, by its deadline', async () => {
      await run(silent, { timeoutMs: 300 });
    });

    it('resolves on a peer that talks garbage', async () => {
      const facts = await run(garbage);
      if (probe.transport !== 'icmp' && probe.kind !== 'tcp' && probe.kind !== 'udp') {
        expect(facts.reason).not.toBe('connected');
      }
    });

    it('reads no more than its byte limit from a flooding peer', async () => {
      const facts = await run(flood, { maxBytes: 4096 });
      if (facts.bytesRead !== undefined) expect(facts.bytesRead).toBeLessThanOrEqual(4096);
    });

    it('sends nothing and reports "aborted" when the run is already interrupted', async () => {
      const controller = new AbortController();
      controller.abort(new Error('shutdown'));
      const facts = await run(silent, { parent: controller.signal });
      expect(facts.reason).toBe('aborted');
    });

    it('stops when the run is interrupted mid-probe', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('shutdown')), 50).unref();
      await run(silent, { timeoutMs: 30_000, parent: controller.signal });
    });

    it('never puts a credential into its result or its logs', () => {
      const everything = [...lines, ...logLines].join('\n');
      expect(everything).not.toContain(MARKER);
    });
  });
}
