import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeFacts, ProbeTarget } from '../../src/core/probe.js';
import { startSshd, type SshdHandle } from '../support/daemons/sshd.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';
import { probeRunnerPath } from './probe-runner-build.js';
import type { ProbeRequest } from './probe-runner.js';

/**
 * The ssh, netconf and icmp probes against real daemons in network namespaces: OpenSSH's sshd
 * (banner, host key as ssh-keygen prints it), yuma123's netconfd behind sshd's netconf
 * subsystem, and the kernel's own ICMP with nftables rules. The probes run compiled, inside the
 * prober's namespace (a process cannot take its sockets into another namespace).
 */

const why = missing(netns, binary('/usr/sbin/sshd'), binary('/usr/sbin/netconfd'), binary('/usr/sbin/nft'), binary('/usr/bin/ping'));

type Request = ProbeRequest;

describe.skipIf(why)(titleWith('ssh, netconf and icmp probes against real daemons', why), () => {
  let lab: NetnsLab;
  let runner: string;
  /** ne1: sshd on 22 with netconfd behind port 830, IPv4 and IPv6. */
  let ne1: SshdHandle;
  /** ne2: sshd on 22 and 2022 without any netconf subsystem. */
  let ne2: SshdHandle;

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['prober', 'ne1', 'ne2'] });
    const [built, first, second] = await Promise.all([
      Promise.resolve(probeRunnerPath()),
      startSshd(lab, 'ne1', { ports: [22], netconf: { ports: [830] }, extraConfig: [`ListenAddress ${lab.addr('ne1', 6)}`] }),
      startSshd(lab, 'ne2', { ports: [22, 2022] }),
    ]);
    runner = built;
    ne1 = first;
    ne2 = second;
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const probe = async (request: Request, user?: string): Promise<ProbeFacts> => {
    const result = await lab.runNode('prober', runner, [JSON.stringify(request)], { timeoutMs: 30_000, ...(user === undefined ? {} : { user }) });
    if (result.code !== 0) throw new Error(`probe runner failed (${String(result.code)}):\n${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as ProbeFacts;
  };
  const tcp = (host: string, port: number, family: 4 | 6 = 4): ProbeTarget => ({ host, address: lab.addr(host, family), port, transport: 'tcp' });
  const icmpTarget = (host: string, family: 4 | 6 = 4): ProbeTarget => ({ host, address: lab.addr(host, family), port: undefined, transport: 'icmp' });

  describe('ssh', () => {
    it('reads the OpenSSH banner and the host key fingerprint that ssh-keygen -l shows', async () => {
      const facts = await probe({ kind: 'ssh', target: tcp('ne1', 22) });
      expect(facts).toMatchObject({ state: 'open', reason: 'ssh-ok' });
      expect(facts.evidence).toMatchObject({ protoVersion: '2.0', hostKeyAlgorithm: 'ssh-ed25519', hostKeyFingerprint: ne1.hostKeyFingerprint });
      expect(String(facts.evidence?.software)).toMatch(/^OpenSSH_/);
    });

    it('reaches sshd over IPv6 too', async () => {
      const facts = await probe({ kind: 'ssh', target: tcp('ne1', 22, 6) });
      expect(facts).toMatchObject({ reason: 'ssh-ok', evidence: { hostKeyFingerprint: ne1.hostKeyFingerprint } });
    });

    it('reports a pinned key that does not match as host key changed', async () => {
      const facts = await probe({ kind: 'ssh', target: tcp('ne1', 22), options: { hostKey: ne2.hostKeyFingerprint } });
      expect(facts).toMatchObject({ reason: 'host-key-changed' });
      expect(facts.message).toContain('host key changed');
    });

    it('leaves nothing in the sshd log that fail2ban counts', async () => {
      await probe({ kind: 'ssh', target: tcp('ne2', 2022) });
      await probe({ kind: 'ssh', target: tcp('ne2', 2022), options: { checkHostKey: false } });
      const log = ne2.process.output();
      // With the key exchange: our DISCONNECT (11 = by application); without: our FIN after our identification.
      expect(log).toMatch(/Received disconnect from \S+ port \d+:11:/);
      expect(log).toMatch(/Connection closed by \S+ port \d+ \[preauth\]/);
      expect(log).not.toMatch(/kex_exchange_identification|Did not receive identification|banner exchange|Connection reset/);
      expect(log).not.toMatch(/Failed password|Invalid user|authenticating user/);
    });
  });

  describe('netconf', () => {
    it('logs in through sshd and reads netconfd hello', async () => {
      const facts = await probe({ kind: 'netconf', target: tcp('ne1', 830), ssh: { username: ne1.user, password: ne1.password } });
      expect(facts).toMatchObject({ state: 'open', reason: 'netconf-ok' });
      expect(facts.evidence?.baseVersions).toContain('1.0');
      expect(facts.evidence?.hostKeyFingerprint).toBe(ne1.hostKeyFingerprint);
      expect(Number(facts.evidence?.capabilityCount)).toBeGreaterThan(2);
      expect(String(facts.evidence?.sessionId)).toMatch(/^\d+$/);
    });

    it('reports a wrong password as auth-failed', async () => {
      const facts = await probe({ kind: 'netconf', target: tcp('ne1', 830), ssh: { username: ne1.user, password: 'not-the-password' } });
      expect(facts).toMatchObject({ state: 'open', reason: 'auth-failed' });
    });

    it('reports a port whose sshd has no netconf subsystem as subsystem-refused', async () => {
      const facts = await probe({ kind: 'netconf', target: tcp('ne2', 2022), ssh: { username: ne2.user, password: ne2.password } });
      expect(facts).toMatchObject({ state: 'open', reason: 'subsystem-refused' });
    });

    it('without credentials verifies the SSH transport only', async () => {
      const facts = await probe({ kind: 'netconf', target: tcp('ne1', 830) });
      expect(facts).toMatchObject({ reason: 'not-tested-missing-credentials', evidence: { hostKeyFingerprint: ne1.hostKeyFingerprint } });
    });

    it('reports a closed port as closed', async () => {
      const facts = await probe({ kind: 'netconf', target: tcp('ne2', 830), ssh: { username: ne2.user, password: ne2.password } });
      expect(facts).toMatchObject({ state: 'closed', reason: 'refused' });
    });
  });

  describe('icmp', () => {
    it.each(['raw', 'command'] as const)('gets an echo reply over IPv4 and IPv6 (%s)', async (method) => {
      for (const family of [4, 6] as const) {
        const facts = await probe({ kind: 'icmp', target: icmpTarget('ne1', family), options: { method } });
        expect(facts, `IPv${family}`).toMatchObject({ state: 'open', reason: 'echo-reply' });
      }
    });

    it('as an unprivileged user: no raw socket, so auto falls back to the ping command', async () => {
      // A real lack of CAP_NET_RAW (the runner runs as the lab user); Debian's ping has the file capability.
      const auto = await probe({ kind: 'icmp', target: icmpTarget('ne1') }, ne1.user);
      expect(auto).toMatchObject({ state: 'open', reason: 'echo-reply', evidence: { method: 'ping-command' } });
      const raw = await probe({ kind: 'icmp', target: icmpTarget('ne1'), options: { method: 'raw' } }, ne1.user);
      expect(raw).toMatchObject({ state: 'error', reason: 'no-icmp-privilege' });
    });

    it('reports an echo dropped by the target as a timeout', async () => {
      await lab.firewall('ne2', { input: ['icmp type echo-request drop'] });
      try {
        const facts = await probe({ kind: 'icmp', target: icmpTarget('ne2'), timeoutMs: 1000 });
        expect(facts).toMatchObject({ state: 'filtered', reason: 'timeout' });
      } finally {
        await lab.firewall('ne2', {});
      }
    });

    it.each(['raw', 'command'] as const)('reports a rejected echo with its ICMP code (%s)', async (method) => {
      await lab.firewall('ne2', {
        input: [
          'icmp type echo-request reject with icmp type admin-prohibited',
          'icmpv6 type echo-request reject with icmpv6 type admin-prohibited',
        ],
      });
      try {
        const v4 = await probe({ kind: 'icmp', target: icmpTarget('ne2'), options: { method } });
        expect(v4).toMatchObject({
          state: 'filtered',
          reason: 'icmp-unreachable',
          evidence: { icmpType: 3, icmpCode: 13, icmpMeaning: 'admin-prohibited', from: lab.addr('ne2') },
        });
        const v6 = await probe({ kind: 'icmp', target: icmpTarget('ne2', 6), options: { method } });
        expect(v6).toMatchObject({ state: 'filtered', reason: 'icmp-unreachable', evidence: { icmpType: 1, icmpCode: 1 } });
      } finally {
        await lab.firewall('ne2', {});
      }
    });

    it('reports a send refused by the prober own OUTPUT rule as local-firewall', async () => {
      await lab.firewall('prober', { output: ['icmp type echo-request drop'] });
      try {
        const facts = await probe({ kind: 'icmp', target: icmpTarget('ne1'), options: { method: 'raw' } });
        expect(facts).toMatchObject({ state: 'filtered', reason: 'local-firewall' });
      } finally {
        await lab.firewall('prober', {});
      }
    });
  });
});
