import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeFacts, ProbeTarget } from '../../src/core/probe.js';
import { startChrony, type ChronyHandle } from '../support/daemons/chrony.js';
import { startDnsmasq, type DnsmasqHandle } from '../support/daemons/dnsmasq.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';
import type { ProbeRequest } from './probe-runner.js';
import { probeRunnerPath } from './probe-runner-build.js';

/**
 * The udp, ntp and dns probes against the kernel and real daemons in network namespaces:
 * nftables rules make each UDP state (the lab sets icmp_ratelimit to 0, so every closed port
 * answers), chrony serves time synchronized (local stratum) and unsynchronized, dnsmasq answers
 * NOERROR, NXDOMAIN and REFUSED.
 */
const why = missing(netns, binary('/usr/sbin/nft'), binary('/usr/sbin/chronyd'), binary('/usr/sbin/dnsmasq'), binary('/usr/bin/chronyc'), binary('/usr/bin/dig'));

const PORTS = {
  echo: 9000,
  reject: 9001,
  drop: 9002,
  prohibited: 9003,
  hostUnreachable: 9004,
  netUnreachable: 9005,
  localDrop: 9006,
} as const;

describe.skipIf(why)(titleWith('udp, ntp and dns probes against nftables, chrony and dnsmasq', why), () => {
  let lab: NetnsLab;
  let runner: string;
  let chrony: ChronyHandle;
  let unsynchronized: ChronyHandle;
  let dnsmasq: DnsmasqHandle;

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['prober', 'srv', 'unsync'] });
    // A UDP echo on every test port, IPv4 and IPv6: without a rule, each one would answer.
    const echo = `for (const p of ${JSON.stringify(Object.values(PORTS))}) { const s = require('dgram').createSocket('udp6'); s.on('message', (m, r) => s.send(m.length ? m : Buffer.from('echo'), r.port, r.address)); s.bind(p, '::'); }`;
    lab.spawn('srv', process.execPath, ['-e', echo]);
    [runner, chrony, unsynchronized, dnsmasq] = await Promise.all([
      Promise.resolve(probeRunnerPath()),
      startChrony(lab, 'srv', { localStratum: 10 }),
      startChrony(lab, 'unsync', { localStratum: null }),
      startDnsmasq(lab, 'srv'),
    ]);
    for (let i = 0; i < 50 && !(await lab.listening('srv', 'udp', PORTS.localDrop)); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await lab.firewall('srv', {
      input: [
        `udp dport ${PORTS.reject} reject with icmpx type port-unreachable`,
        `udp dport ${PORTS.drop} drop`,
        `meta nfproto ipv4 udp dport ${PORTS.prohibited} reject with icmp type admin-prohibited`,
        `meta nfproto ipv4 udp dport ${PORTS.hostUnreachable} reject with icmp type host-unreachable`,
        `meta nfproto ipv4 udp dport ${PORTS.netUnreachable} reject with icmp type net-unreachable`,
      ],
    });
    await lab.firewall('prober', { output: [`udp dport ${PORTS.localDrop} drop`] });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const probe = async (request: Omit<ProbeRequest, 'target'> & { host: string; port: number; family?: 4 | 6 }): Promise<ProbeFacts> => {
    const { host, port, family, ...rest } = request;
    const target: ProbeTarget = { host, address: lab.addr(host, family ?? 4), port, transport: 'udp' };
    const result = await lab.runNode('prober', runner, [JSON.stringify({ timeoutMs: 1500, ...rest, target })], { timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`probe runner failed (${String(result.code)}):\n${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as ProbeFacts;
  };

  describe('udp states', () => {
    it('a reply: open', async () => {
      expect(await probe({ kind: 'udp', host: 'srv', port: PORTS.echo })).toMatchObject({ state: 'open', reason: 'udp-reply' });
      expect(await probe({ kind: 'udp', host: 'srv', port: PORTS.echo, family: 6 })).toMatchObject({ state: 'open', reason: 'udp-reply' });
    });

    it('an nft reject with port-unreachable: closed, over IPv4 and IPv6', async () => {
      expect(await probe({ kind: 'udp', host: 'srv', port: PORTS.reject })).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
      expect(await probe({ kind: 'udp', host: 'srv', port: PORTS.reject, family: 6 })).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
    });

    it('nothing bound: the kernel\'s own port unreachable, closed', async () => {
      expect(await probe({ kind: 'udp', host: 'unsync', port: 9999 })).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
    });

    it('a drop: open|filtered, explained', async () => {
      const facts = await probe({ kind: 'udp', host: 'srv', port: PORTS.drop, timeoutMs: 800 });
      expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
    });

    it('admin-prohibited (a hard ICMP error, EHOSTUNREACH): filtered', async () => {
      expect(await probe({ kind: 'udp', host: 'srv', port: PORTS.prohibited })).toMatchObject({ state: 'filtered', reason: 'host-unreachable' });
    });

    // Without IP_RECVERR (which Node's dgram cannot set) the kernel drops ICMP codes 0 and 1 for UDP.
    it('host- and net-unreachable are soft ICMP errors, never reported to a UDP socket: they look like silence', async () => {
      for (const port of [PORTS.hostUnreachable, PORTS.netUnreachable]) {
        const facts = await probe({ kind: 'udp', host: 'srv', port, timeoutMs: 800 });
        expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
      }
    });

    it('a drop in the prober\'s own OUTPUT chain: EPERM on send, local-firewall', async () => {
      expect(await probe({ kind: 'udp', host: 'srv', port: PORTS.localDrop })).toMatchObject({ state: 'filtered', reason: 'local-firewall' });
    });
  });

  describe('ntp against chrony', () => {
    it('local stratum 10: synchronized, with offset and delay', async () => {
      const facts = await probe({ kind: 'ntp', host: 'srv', port: chrony.port });
      expect(facts).toMatchObject({ state: 'open', reason: 'ntp-synchronized', evidence: { stratum: 10, leap: 'none' } });
      expect(facts.evidence?.offsetMs).toEqual(expect.any(Number));
      expect(facts.evidence?.delayMs).toEqual(expect.any(Number));
    });

    it('no sources and no local line: unsynchronized (LI=3, stratum 0, not a kiss-o\'-death)', async () => {
      const facts = await probe({ kind: 'ntp', host: 'unsync', port: unsynchronized.port });
      expect(facts).toMatchObject({ state: 'open', reason: 'ntp-unsynchronized', evidence: { stratum: 0, leap: 'unsynchronized' } });
    });

    it('over IPv6 (chrony\'s bindaddress covers one family; it still serves the other)', async () => {
      const facts = await probe({ kind: 'ntp', host: 'srv', port: chrony.port, family: 6 });
      expect(facts).toMatchObject({ state: 'open', reason: 'ntp-synchronized', evidence: { stratum: 10 } });
    });
  });

  describe('dns against dnsmasq', () => {
    it('a name of its zone: NOERROR with the record', async () => {
      const name = Object.keys(dnsmasq.records)[0] ?? '';
      const facts = await probe({ kind: 'dns', host: 'srv', port: dnsmasq.port, options: { query: name, type: 'A' } });
      expect(facts).toMatchObject({
        state: 'open',
        reason: 'dns-noerror',
        evidence: { rcode: 'NOERROR', answers: [`${name} A ${lab.addr('srv')}`], transport: 'udp' },
      });
    });

    it('an unknown name of its zone: NXDOMAIN', async () => {
      const facts = await probe({ kind: 'dns', host: 'srv', port: dnsmasq.port, options: { query: `nobody.${dnsmasq.zone}`, type: 'A' } });
      expect(facts).toMatchObject({ state: 'open', reason: 'dns-nxdomain' });
    });

    it('the default root SOA query without upstream: REFUSED, service up', async () => {
      const facts = await probe({ kind: 'dns', host: 'srv', port: dnsmasq.port });
      expect(facts).toMatchObject({ state: 'open', reason: 'dns-refused', evidence: { rcode: 'REFUSED' } });
      expect(facts.message).toContain('service up, answer REFUSED');
    });
  });
});
