import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult, Report } from '../../src/report/types.js';
import { LAB_UNASSIGNED4, createNetnsLab, type NetnsLab } from '../support/netns.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';

/**
 * The TCP probe's states through the real CLI, run inside a prober namespace against a server
 * namespace whose nftables rules make each state, and routes on the prober that make the local
 * errors. Every address belongs to the lab (198.51.100.0/24, 2001:db8::/64, no default route).
 */
const why = missing(netns, binary('/usr/sbin/nft'));

const PORTS = { open: 7001, drop: 7002, reset: 7003, prohibited: 7004, netUnreachable: 7005 } as const;
const UNREACHABLE_ROUTE = '198.51.100.200';
const PROHIBIT_ROUTE = '198.51.100.201';
const BLACKHOLE_ROUTE = '198.51.100.202';

describe.skipIf(why !== undefined)(titleWith('TCP states from a vantage namespace (nftables, routes)', why), () => {
  let lab: NetnsLab;
  let report: Report;
  let exitCode: number | null;

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['prober', 'srv'] });
    const listen = `for (const p of ${JSON.stringify(Object.values(PORTS))}) require('net').createServer((s) => s.end()).listen(p, '::')`;
    const listener = lab.spawn('srv', process.execPath, ['-e', listen]);
    for (let i = 0; i < 50 && !(await lab.listening('srv', 'tcp', PORTS.netUnreachable)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    void listener;
    await lab.firewall('srv', {
      input: [
        `tcp dport ${PORTS.drop} drop`,
        `tcp dport ${PORTS.reset} reject with tcp reset`,
        `meta nfproto ipv4 tcp dport ${PORTS.prohibited} reject with icmp type admin-prohibited`,
        `meta nfproto ipv4 tcp dport ${PORTS.netUnreachable} reject with icmp type net-unreachable`,
      ],
    });
    await lab.execOk('prober', 'ip', ['route', 'add', 'unreachable', `${UNREACHABLE_ROUTE}/32`]);
    await lab.execOk('prober', 'ip', ['route', 'add', 'prohibit', `${PROHIBIT_ROUTE}/32`]);
    await lab.execOk('prober', 'ip', ['route', 'add', 'blackhole', `${BLACKHOLE_ROUTE}/32`]);
    // The prober's resolver is a lab address where nothing listens: name lookups stay in the lab.
    lab.setResolvConf('prober', 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');

    const dir = lab.tempDir('tcp-states');
    const inventory = join(dir, 'inventory.yaml');
    const srv4 = lab.addr('srv');
    const srv6 = lab.addr('srv', 6);
    const path = (name: string, to: string, port: number) =>
      `  - { name: ${name}, from: prober, to: ${to}, transport: tcp, ports: [${port}] }`;
    writeFileSync(
      inventory,
      [
        'defaults: { timeout: 5s, retries: 1 }',
        'hosts:',
        `  - { name: prober, role: psm-client, addresses: [${lab.addr('prober')}, "${lab.addr('prober', 6)}"] }`,
        `  - { name: srv, role: noc, addresses: [${srv4}, "${srv6}"] }`,
        `  - { name: unreachable, role: noc, addresses: [${UNREACHABLE_ROUTE}] }`,
        `  - { name: prohibited, role: noc, addresses: [${PROHIBIT_ROUTE}] }`,
        `  - { name: blackholed, role: noc, addresses: [${BLACKHOLE_ROUTE}] }`,
        `  - { name: nobody, role: noc, addresses: [${LAB_UNASSIGNED4}] }`,
        '  - { name: unnamed, role: noc, addresses: [no-such-host.lab.invalid] }',
        'paths:',
        ...Object.entries(PORTS).map(([name, port]) => path(name, 'srv', port)),
        path('route-unreachable', 'unreachable', 7001),
        path('route-prohibit', 'prohibited', 7001),
        path('route-blackhole', 'blackholed', 7001),
        path('no-arp', 'nobody', 7001),
        path('no-name', 'unnamed', 7001),
        '',
      ].join('\n'),
    );
    // Without --from: the CLI finds the vantage by the namespace's own address.
    const run = await lab.runNode('prober', 'dist/src/cli/main.js', ['check', '-i', inventory, '--format', 'json', '--only', 'tcp']);
    exitCode = run.code;
    report = JSON.parse(run.stdout) as Report;
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  const result = (row: string, address?: string): ProbeResult | undefined =>
    report.results.find((r) => r.rows.includes(`path:${row}`) && (address === undefined || r.address === address));

  it('finds its vantage by address and exits 1 for the failing paths', () => {
    expect(report.vantage.name).toBe('prober');
    expect(exitCode).toBe(1);
    expect(report.complete).toBe(true);
  });

  it('open: a listener completes the handshake', () => {
    expect(result('open', lab.addr('srv'))).toMatchObject({ state: 'open', reason: 'connected', verdict: 'pass', attempts: 1 });
    expect(result('open', lab.addr('srv', 6))).toMatchObject({ state: 'open', reason: 'connected' });
  });

  it('filtered: a drop rule times out, and only that is retried', () => {
    expect(result('drop', lab.addr('srv'))).toMatchObject({ state: 'filtered', reason: 'timeout', verdict: 'fail', attempts: 2 });
  });

  it('closed: a reject with tcp reset is refused, over IPv4 and IPv6', () => {
    expect(result('reset', lab.addr('srv'))).toMatchObject({ state: 'closed', reason: 'refused', attempts: 1 });
    expect(result('reset', lab.addr('srv', 6))).toMatchObject({ state: 'closed', reason: 'refused' });
  });

  // The socket alone says EHOSTUNREACH for admin-prohibited (Linux folds codes 1, 10 and 13); as
  // root the ICMP error observer reads the exact code and who sent it.
  it('filtered with the ICMP reason: admin-prohibited and net-unreachable', () => {
    expect(result('prohibited', lab.addr('srv'))).toMatchObject({
      state: 'filtered',
      reason: 'admin-prohibited',
      attempts: 1,
      icmp: { type: 3, code: 13, from: lab.addr('srv'), fromTarget: true },
    });
    expect(result('netUnreachable', lab.addr('srv'))).toMatchObject({ state: 'filtered', reason: 'net-unreachable' });
  });

  it('local routes: unreachable, prohibit and blackhole each say so at once', () => {
    expect(result('route-unreachable')).toMatchObject({ state: 'filtered', reason: 'host-unreachable' });
    expect(result('route-prohibit')).toMatchObject({ state: 'filtered', reason: 'admin-prohibited' });
    expect(result('route-blackhole')).toMatchObject({ state: 'filtered', reason: 'no-route' });
  });

  it('an on-link address nobody owns: host unreachable after ARP gives up', () => {
    expect(result('no-arp')).toMatchObject({ state: 'filtered', reason: 'host-unreachable' });
  });

  it('a name that does not resolve is unresolved, not filtered', () => {
    expect(result('no-name')?.state).toBe('unresolved');
  });
});
