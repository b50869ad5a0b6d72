import { lookup } from 'node:dns/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { diffMs, offsetAndDelay, toDate, toNtp } from '../../probes/protocols/ntp/packet.js';
import ntpProbe from '../../probes/ntp.js';
import { closedUdpPort } from '../support/hostile-peers.js';
import { type NtpServerSetup, ntpServer } from '../support/ntp-server.js';
import { runProbe, udpTarget } from '../support/probe-context.js';
import type { UdpPeer } from '../support/udp-peer.js';

describe('ntp timestamps', () => {
  it('takes differences modulo 2^64 across the 2036 era rollover', () => {
    const before = toNtp(Date.UTC(2036, 1, 7, 6, 28, 15)); // one second before era 1 begins
    const after = toNtp(Date.UTC(2036, 1, 7, 6, 28, 17));
    expect(after < before).toBe(true); // the raw value wrapped
    expect(diffMs(after, before)).toBeCloseTo(2000, 3);
    expect(toDate(after).toISOString()).toBe('2036-02-07T06:28:17.000Z');
    expect(toDate(toNtp(Date.UTC(2024, 0, 1))).toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });

  it('computes RFC 5905 offset and delay', () => {
    const base = toNtp(Date.UTC(2025, 0, 1));
    const at = (ms: number): bigint => base + BigInt(Math.round((ms / 1000) * 2 ** 32));
    // Server 500 ms ahead, 10 ms each way, 2 ms in the server.
    const { offsetMs, delayMs } = offsetAndDelay(at(0), at(510), at(512), at(22));
    expect(offsetMs).toBeCloseTo(500, 3);
    expect(delayMs).toBeCloseTo(20, 3);
  });
});

describe('ntp probe', () => {
  const peers: UdpPeer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
  });
  const server = async (setup: NtpServerSetup = {}): Promise<UdpPeer> => {
    const peer = await ntpServer(setup);
    peers.push(peer);
    return peer;
  };
  const probe = async (setup: NtpServerSetup, timeoutMs = 1000, options = {}) =>
    runProbe(ntpProbe, udpTarget((await server(setup)).port), { timeoutMs, options });

  it('a synchronized stratum 2 server', async () => {
    const facts = await probe({ stratum: 2, refId: '192.0.2.7' });
    expect(facts).toMatchObject({ state: 'open', reason: 'ntp-synchronized', evidence: { stratum: 2, leap: 'none', refId: '192.0.2.7', version: 4 } });
    // Loopback against this host's own clock: the offset is tiny, never near the default bound.
    expect(Math.abs(facts.evidence?.offsetMs as number)).toBeLessThan(1000);
    expect(facts.evidence?.delayMs).toEqual(expect.any(Number));
    expect(facts.evidence?.rootDelayMs).toBeCloseTo(7.8125, 3);
  });

  it('a stratum 1 server names its clock', async () => {
    const facts = await probe({ stratum: 1, refId: 'GPS' });
    expect(facts).toMatchObject({ reason: 'ntp-synchronized', evidence: { stratum: 1, refId: 'GPS' } });
  });

  it('unsynchronized: LI=3, stratum 0, no kiss code (chrony or ntpd without sources)', async () => {
    const facts = await probe({ stratum: 0, leap: 3, refId: '\0\0\0\0' });
    expect(facts).toMatchObject({ state: 'open', reason: 'ntp-unsynchronized', evidence: { leap: 'unsynchronized', stratum: 0 } });
  });

  it.each([
    ['DENY', 'kod-deny'],
    ['RSTR', 'kod-deny'],
    ['RATE', 'kod-rate'],
    ['INIT', 'kod-other'],
  ])('kiss-o\'-death %s', async (code, reason) => {
    const facts = await probe({ stratum: 0, leap: 3, refId: code });
    expect(facts).toMatchObject({ state: 'open', reason, evidence: { kissCode: code } });
  });

  it('offset beyond maxOffsetMs', async () => {
    const facts = await probe({ offsetMs: 5000 }, 1000, { maxOffsetMs: 1000 });
    expect(facts).toMatchObject({ state: 'open', reason: 'offset-too-large' });
    expect(facts.evidence?.offsetMs).toBeGreaterThan(4000);
  });

  it.each([['truncated'], ['wrong-origin'], ['zero-transmit'], ['mode-3']] as const)(
    'a %s reply is not taken: the port talks, but no valid answer',
    async (fault) => {
      const facts = await probe({ fault }, 300);
      expect(facts).toMatchObject({ state: 'open', reason: 'unexpected-protocol', evidence: { datagramsIgnored: 1 } });
    },
  );

  it('a bogus reply first, then the real one', async () => {
    const facts = await probe({ fault: 'bogus-then-good' }, 1000, { samples: 1 });
    expect(facts).toMatchObject({ reason: 'ntp-synchronized', evidence: { datagramsIgnored: 1, samples: 1 } });
  });

  it('takes four samples and keeps the one with the lowest delay (RFC 5905 clock filter)', async () => {
    // The first reply is held 300 ms and carries a 10 s offset; the others come at once with none.
    // Kept by lowest delay, the offset is a later sample's, so the result does not warn.
    const facts = await probe({ first: { holdMs: 300, offsetMs: 10_000 } }, 3000);
    expect(facts).toMatchObject({ state: 'open', reason: 'ntp-synchronized', evidence: { samples: 4 } });
  });

  it('a server that answers only the first request: that sample stands', async () => {
    const facts = await probe({ answers: 1 }, 1000);
    expect(facts).toMatchObject({ state: 'open', reason: 'ntp-synchronized', evidence: { samples: 1 } });
  });

  it('a kiss code ends the sampling at once', async () => {
    const peer = await server({ stratum: 0, leap: 3, refId: 'RATE' });
    const facts = await runProbe(ntpProbe, udpTarget(peer.port), { timeoutMs: 1000, options: {} });
    expect(facts).toMatchObject({ reason: 'kod-rate', evidence: { samples: 1 } });
  });

  it('a reply from another source port never reaches the probe', async () => {
    const facts = await probe({ fault: 'other-port' }, 300);
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
  });

  it('closed port: ICMP port unreachable', async () => {
    const facts = await runProbe(ntpProbe, udpTarget(await closedUdpPort()));
    expect(facts).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
  });

  it('over IPv6 loopback (a udp6 socket is chosen by the address family)', async () => {
    const peer = await ntpServer({ stratum: 3 }, '::1');
    peers.push(peer);
    const facts = await runProbe(ntpProbe, udpTarget(peer.port, '::1'));
    expect(facts).toMatchObject({ reason: 'ntp-synchronized', evidence: { stratum: 3 } });
  });

  it('a closed port on IPv6 loopback', async () => {
    const peer = await ntpServer({}, '::1');
    await peer.close();
    const facts = await runProbe(ntpProbe, udpTarget(peer.port, '::1'));
    expect(facts).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
  });

  it('a name is resolved first', async () => {
    // Listen where this machine's resolver sends "localhost" (127.0.0.1 or ::1).
    const { address } = await lookup('localhost');
    const peer = await ntpServer({ stratum: 2 }, address);
    peers.push(peer);
    const facts = await runProbe(ntpProbe, udpTarget(peer.port, 'localhost'));
    expect(facts.reason).toBe('ntp-synchronized');
    expect(facts.timings.resolve).toBeGreaterThanOrEqual(0);
  });
});
