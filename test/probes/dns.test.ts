import { afterEach, describe, expect, it } from 'vitest';
import dnsProbe from '../../probes/dns.js';
import { closedUdpPort } from '../support/hostile-peers.js';
import { type DnsServer, type DnsServerSetup, startDnsServer } from '../support/dns-server.js';
import { runProbe, udpTarget } from '../support/probe-context.js';

type DnsOptions = Parameters<typeof dnsProbe.run>[1]['options'];

const RECORDS = { 'psm.zone.test': '192.0.2.10' };

describe('dns probe', () => {
  const servers: DnsServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const server = async (setup: DnsServerSetup = {}): Promise<DnsServer> => {
    const started = await startDnsServer({ records: RECORDS, ...setup });
    servers.push(started);
    return started;
  };
  const probe = async (setup: DnsServerSetup, options: Partial<DnsOptions> = {}, timeoutMs = 1000) =>
    runProbe(dnsProbe, udpTarget((await server(setup)).port), { options, timeoutMs });

  it('NOERROR with the answer over UDP', async () => {
    const facts = await probe({}, { query: 'psm.zone.test', type: 'A' });
    expect(facts).toMatchObject({
      state: 'open',
      reason: 'dns-noerror',
      evidence: { rcode: 'NOERROR', answers: ['psm.zone.test A 192.0.2.10'], aa: true, transport: 'udp' },
    });
  });

  it('sends a random ID and RD as configured', async () => {
    const peer = await server();
    await runProbe(dnsProbe, udpTarget(peer.port), { options: { query: 'psm.zone.test', type: 'A', recursionDesired: false } });
    await runProbe(dnsProbe, udpTarget(peer.port), { options: { query: 'psm.zone.test', type: 'A' } });
    const [first, second] = peer.queries;
    expect(first?.flag_rd).toBe(false);
    expect(second?.flag_rd).toBe(true);
    expect(first?.id).not.toBe(second?.id);
  });

  it('the default query (root SOA) against a server that does not serve it: REFUSED, with EDE', async () => {
    const facts = await probe({});
    expect(facts).toMatchObject({ state: 'open', reason: 'dns-refused', evidence: { rcode: 'REFUSED', ede: ['14 Not Ready'] } });
    expect(facts.message).toContain('service up, answer REFUSED');
  });

  it('NXDOMAIN', async () => {
    const facts = await probe({}, { query: 'nobody.zone.test', type: 'A' });
    expect(facts).toMatchObject({ state: 'open', reason: 'dns-nxdomain', evidence: { rcode: 'NXDOMAIN' } });
  });

  it('SERVFAIL', async () => {
    const facts = await probe({ rcode: 2 }, { query: 'psm.zone.test', type: 'A' });
    expect(facts).toMatchObject({ state: 'open', reason: 'dns-servfail' });
  });

  it('another RCODE (NOTIMP)', async () => {
    const facts = await probe({ rcode: 4 }, { query: 'psm.zone.test', type: 'A' });
    expect(facts).toMatchObject({ state: 'open', reason: 'dns-other-rcode', evidence: { rcode: 'NOTIMP' } });
  });

  it('TC=1 over UDP: the query is repeated over TCP', async () => {
    const peer = await server({ truncateUdp: true });
    const facts = await runProbe(dnsProbe, udpTarget(peer.port), { options: { query: 'psm.zone.test', type: 'A' } });
    expect(facts).toMatchObject({ state: 'open', reason: 'dns-noerror', evidence: { transport: 'tcp', answers: ['psm.zone.test A 192.0.2.10'] } });
    expect(peer.tcpQueries).toBe(1);
    expect(facts.timings.tcp).toBeGreaterThanOrEqual(0);
  });

  it('TC=1 and a TCP side that hangs up: dns-tcp-failed', async () => {
    const facts = await probe({ truncateUdp: true, tcpCloses: true }, { query: 'psm.zone.test', type: 'A' });
    expect(facts).toMatchObject({ state: 'open', reason: 'dns-tcp-failed', evidence: { truncated: true } });
  });

  it('TC=1 without the TCP fallback: the truncated answer as is', async () => {
    const facts = await probe({ truncateUdp: true }, { query: 'psm.zone.test', type: 'A', tcpFallback: false });
    expect(facts).toMatchObject({ reason: 'dns-noerror', evidence: { transport: 'udp', truncated: true, answers: [] } });
  });

  it.each([['wrong-id'], ['wrong-question']] as const)('a reply with the %s is not taken', async (fault) => {
    const facts = await probe({ fault }, { query: 'psm.zone.test', type: 'A' }, 300);
    expect(facts).toMatchObject({ state: 'open', reason: 'unexpected-protocol', evidence: { datagramsIgnored: 1 } });
  });

  it('TC=1 over TCP too: an error (truncated), not an answer', async () => {
    const facts = await probe({ truncateUdp: true, truncateTcp: true }, { query: 'psm.zone.test', type: 'A' });
    expect(facts).toMatchObject({ state: 'open', reason: 'dns-tcp-failed' });
    expect(facts.message).toContain('TC set over TCP');
  });

  it('a compression loop in the answer is malformed at once, not a wait for the deadline', async () => {
    // The deadline is far past the test's own timeout: only an answer at once passes.
    const facts = await probe({ fault: 'compression-loop' }, {}, 120_000);
    expect(facts).toMatchObject({ state: 'open', reason: 'dns-malformed', evidence: { transport: 'udp' } });
  });

  it('garbage first, then the real answer', async () => {
    const facts = await probe({ fault: 'garbage-first' }, { query: 'psm.zone.test', type: 'A' });
    expect(facts).toMatchObject({ reason: 'dns-noerror', evidence: { datagramsIgnored: 1 } });
  });

  it('an answer from another source port never reaches the probe', async () => {
    const facts = await probe({ fault: 'other-port' }, { query: 'psm.zone.test', type: 'A' }, 300);
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
  });

  it('an oversized datagram stops at the byte limit', async () => {
    const peer = await server({ fault: 'oversized' });
    const facts = await runProbe(dnsProbe, udpTarget(peer.port), { options: { query: 'psm.zone.test', type: 'A' }, maxBytes: 2048 });
    expect(facts).toMatchObject({ state: 'open', reason: 'response-too-large' });
    expect(facts.bytesRead).toBeLessThanOrEqual(2048);
  });

  it('closed port: ICMP port unreachable, distinct from REFUSED', async () => {
    const facts = await runProbe(dnsProbe, udpTarget(await closedUdpPort()));
    expect(facts).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
  });

  it('rejects a query option that is not a name', () => {
    expect(() => dnsProbe.optionsSchema.parse({ query: 'not a name!' })).toThrow();
    expect(dnsProbe.optionsSchema.parse({})).toEqual({ query: '.', type: 'SOA', recursionDesired: true, edns: true, tcpFallback: true });
  });
});
