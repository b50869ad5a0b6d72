import { describe, expect, it } from 'vitest';
import { parseInventory } from '../src/inventory/load.js';
import type { Inventory } from '../src/inventory/types.js';
import { matrixPaths } from '../src/planner/deployment-paths.js';
import { planChecks } from '../src/planner/plan.js';
import type { Plan } from '../src/planner/types.js';
import { findVantage } from '../src/planner/vantage.js';

const YAML = `
name: planner-test
hosts:
  - { name: psm1, role: psm-server, addresses: [192.0.2.10, "2001:db8::10"], services: [ntp] }
  - { name: psm2, role: psm-server, addresses: [192.0.2.11], ports: { replication: "10000-10001" } }
  - { name: client1, role: psm-client, addresses: [192.0.2.20], services: [sftp] }
  - { name: ne-7800, role: network-element, neType: bti7800, addresses: [198.51.100.1] }
  - { name: ne-mx, role: network-element, neType: juniper-mx, addresses: [198.51.100.2], ports: { netconf: 8300 } }
  - { name: ne-7000, role: network-element, neType: bti7000, addresses: [198.51.100.3] }
  - { name: ne-700, role: network-element, neType: bti700, addresses: [198.51.100.4] }
  - { name: ne-800, role: network-element, neType: bti800, addresses: [ne-800.example.net] }
  - { name: noc, role: noc, addresses: [203.0.113.1] }
  - { name: radius, role: radius-server, addresses: [203.0.113.2] }
  - { name: files, roles: [ftp-server, sftp-server], addresses: [203.0.113.3] }
  - { name: dns, roles: [dns-server, ntp-server], addresses: [203.0.113.4] }
  - { name: web, role: http-server, addresses: [203.0.113.5] }
  - { name: logs, roles: [syslog-server, tacacs-server], addresses: [203.0.113.6] }
paths:
  - { name: no-telnet, from: psm1, to: ne-7800, transport: tcp, ports: [23], expect: closed }
`;

const inventory: Inventory = parseInventory(YAML, 'planner-test.yaml', '/tmp', { requireSecrets: false });
const planFrom = (name: string): Plan => planChecks(inventory, findVantage(inventory, name));
const ports = (plan: Plan, target: string, probe?: string): number[] =>
  [...new Set(plan.probes.filter((p) => p.target === target && (probe === undefined || p.probe === probe)).map((p) => p.port ?? -1))].sort((a, b) => a - b);

describe('planner from the PSM server', () => {
  const plan = planFrom('psm1');

  it('never plans a probe outside the inventory, nor to itself', () => {
    for (const probe of plan.probes) {
      const host = inventory.hosts.find((h) => h.name === probe.target);
      expect(host, probe.id).toBeDefined();
      expect(host?.addresses).toContain(probe.address);
      expect(probe.target).not.toBe('psm1');
    }
  });

  it('gives each NE type its own NETCONF, CLI, TL1 and shell ports', () => {
    expect(ports(plan, 'ne-7800', 'netconf')).toEqual([2022]);
    expect(ports(plan, 'ne-mx', 'netconf')).toEqual([8300]); // port override
    expect(ports(plan, 'ne-7000', 'netconf')).toEqual([]);
    expect(ports(plan, 'ne-7800', 'ssh')).toEqual([22, 2024]);
    expect(ports(plan, 'ne-mx', 'ssh')).toEqual([22]);
    expect(ports(plan, 'ne-7000', 'ssh')).toEqual([3021, 3022, 8022]);
    expect(ports(plan, 'ne-7000', 'telnet')).toEqual([3084]);
    expect(ports(plan, 'ne-7000', 'tl1')).toEqual([3082, 3083]);
    expect(ports(plan, 'ne-7800', 'tl1')).toEqual([3083]);
    expect(ports(plan, 'ne-700', 'telnet')).toEqual([23]);
    expect(ports(plan, 'ne-800', 'telnet')).toEqual([23]);
    for (const ne of ['ne-7800', 'ne-mx', 'ne-7000', 'ne-700', 'ne-800']) {
      expect(ports(plan, ne, 'snmp'), ne).toEqual([161]);
      expect(ports(plan, ne, 'icmp'), ne).toEqual([-1]);
    }
  });

  it('merges one check that serves rows of several tables', () => {
    const netconf = plan.probes.find((p) => p.target === 'ne-7800' && p.probe === 'netconf');
    expect(netconf?.rows).toEqual(['t3-netconf-bti7800', 't8-netconf']);
    expect(netconf?.tables).toEqual([3, 8]);
    expect(plan.probes.filter((p) => p.target === 'ne-7800' && p.port === 2022)).toHaveLength(1);
  });

  it('probes the replication range of the other PSM server, with its override, expecting reachability', () => {
    const replication = plan.probes.filter((p) => p.target === 'psm2' && p.rows.includes('t2-replication'));
    expect(replication.map((p) => p.port)).toEqual([10000, 10001]);
    expect(replication.every((p) => p.expected === 'reachable')).toBe(true);
  });

  it('probes the PSM client\'s notification range', () => {
    expect(plan.probes.filter((p) => p.target === 'client1' && p.rows.includes('t1-rest-notification'))).toHaveLength(102);
  });

  it('plans the server\'s paths to the NOC, external RADIUS and other hosts', () => {
    expect(ports(plan, 'noc', 'snmp-inform')).toEqual([162]);
    expect(ports(plan, 'radius', 'radius')).toEqual([1812, 1813]);
    expect(ports(plan, 'files')).toEqual([21, 22]);
    expect(ports(plan, 'dns')).toEqual([53, 123]);
    expect(ports(plan, 'web', 'http')).toEqual([80]);
  });

  it('adds the inventory\'s own firewall check, expecting closed', () => {
    const check = plan.probes.find((p) => p.rows.includes('path:no-telnet'));
    expect(check).toMatchObject({ target: 'ne-7800', port: 23, probe: 'tcp', expected: 'closed' });
  });

  it('lists inbound and third-party paths as not testable, with where to test them from', () => {
    const ids = plan.notTestable.map((n) => n.row);
    // NTP served by psm1 (declared) is inbound from the NEs; FTP is not declared on psm1.
    expect(ids).toContain('t3-ntp');
    expect(ids).not.toContain('t3-ftp');
    const ntp = plan.notTestable.find((n) => n.row === 't3-ntp');
    expect(ntp?.testableFrom).toEqual(['ne-7800', 'ne-mx', 'ne-7000', 'ne-700', 'ne-800']);
    expect(ntp?.why).toContain('inbound to psm1');
    // Client -> server REST is inbound; NE -> syslog is between other hosts.
    expect(ids).toContain('t1-rest');
    const syslog = plan.notTestable.find((n) => n.row === 't8-syslog');
    expect(syslog?.why).toContain('between other hosts');
    // Each says what would test it: paths that need the same action say it in the same words.
    expect(ntp?.verify).toMatch(/^run `psm-netcheck check` from a Linux host in the network elements' network/);
    expect(ntp?.verify).toContain('`psm-netcheck respond`');
    expect(syslog?.verify).not.toContain('respond');
    const rest = plan.notTestable.find((n) => n.row === 't1-rest');
    const otherClientPaths = plan.notTestable.filter((n) => n.row.startsWith('t1-') && n.why === rest?.why);
    expect(new Set(otherClientPaths.map((n) => n.verify)).size).toBe(1);
    // The FTP data port 20 cannot be probed by a connect.
    expect(plan.notTestable.some((n) => n.row === 't7-ftp' && n.ports.includes('20'))).toBe(true);
  });

  it('lists no path from a host to itself: one server replicates with nobody', () => {
    const small = parseInventory(
      'hosts:\n  - { name: psm1, role: psm-server, addresses: [192.0.2.10] }\n  - { name: ws, role: psm-client, addresses: [192.0.2.20] }\n',
      'small.yaml',
      '/tmp',
      { requireSecrets: false },
    );
    const fromClient = planChecks(small, findVantage(small, 'ws'));
    expect(fromClient.notTestable.filter((n) => n.from === n.to)).toEqual([]);
    expect(fromClient.notTestable.some((n) => n.row.startsWith('t2-'))).toBe(false);
    // With two servers, replication between them is a path the client cannot test.
    expect(planFrom('client1').notTestable.some((n) => n.row.startsWith('t2-') && n.why.includes('between other hosts'))).toBe(true);
  });

  it('plans only the kinds asked for exactly as the full plan has them, merged rows included, and lists the same untestable paths', () => {
    for (const only of [['tcp'], ['netconf', 'icmp'], ['tl1']] as const) {
      const part = planChecks(inventory, findVantage(inventory, 'psm1'), undefined, { only });
      expect(part.probes.length).toBeGreaterThan(0);
      expect(part.probes).toEqual(plan.probes.filter((p) => (only as readonly string[]).includes(p.probe)));
      expect(part.notTestable).toEqual(plan.notTestable);
    }
  });

  it('gives every probe a stable, unique id', () => {
    const ids = plan.probes.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('ne-7800/198.51.100.1/tcp/2022/netconf');
    expect(ids).toContain('ne-7800/198.51.100.1/icmp/-/icmp');
  });
});

describe('planner from other vantages', () => {
  it('from a PSM client: REST and dashboard to the servers, CLI to the NEs, nothing of the server\'s own', () => {
    const plan = planFrom('client1');
    expect(ports(plan, 'psm1', 'http')).toEqual(expect.arrayContaining([9000, 9998]));
    expect(ports(plan, 'ne-7000', 'ssh')).toEqual([3021, 3022, 8022]);
    expect(plan.probes.some((p) => p.target === 'noc')).toBe(false);
    // SFTP on the client is inbound from the NEs.
    expect(plan.notTestable.map((n) => n.row)).toContain('t4-sftp');
  });

  it('from a BTI7800: its own client paths of Table 8', () => {
    const plan = planFrom('ne-7800');
    expect(ports(plan, 'logs')).toEqual([49, 514]);
    expect(ports(plan, 'dns', 'dns')).toEqual([53]);
    expect(ports(plan, 'psm1', 'ntp')).toEqual([123]);
    expect(plan.probes.some((p) => p.target.startsWith('ne-'))).toBe(false);
  });

  it('from an NE of another type: Table 8 does not apply', () => {
    const plan = planFrom('ne-700');
    expect(plan.probes.some((p) => p.rows.some((r) => r.startsWith('t8-')))).toBe(false);
  });

  it('finds the vantage by this machine\'s addresses, or says why not', () => {
    expect(findVantage(inventory, undefined, ['127.0.0.1', '192.0.2.20']).name).toBe('client1');
    expect(() => findVantage(inventory, undefined, ['127.0.0.1'])).toThrow(/--from NAME/);
    expect(() => findVantage(inventory, undefined, ['192.0.2.10', '192.0.2.11'])).toThrow(/several hosts \(psm1, psm2\)/);
    expect(() => findVantage(inventory, 'nope')).toThrow(/no such host/);
  });
});

describe('planner: only the address families the vantage has', () => {
  const families = parseInventory(
    `
name: families
hosts:
  - { name: psm1, role: psm-server, addresses: [192.0.2.10, "2001:db8::10", psm1.example.net] }
  - { name: v4-client, role: psm-client, addresses: [192.0.2.20] }
  - { name: v6-client, role: psm-client, addresses: ["2001:db8::21"] }
  - { name: dns-client, role: psm-client, addresses: [client.example.net] }
  - { name: v6-only-server, role: psm-server, addresses: ["2001:db8::11"] }
paths:
  - { name: v4-to-v6, from: v4-client, to: v6-only-server, transport: tcp, ports: [9998] }
`,
    'families.yaml',
    '/tmp',
    { requireSecrets: false },
  );
  const addressesFrom = (vantage: string, target: string): string[] =>
    [...new Set(planChecks(families, findVantage(families, vantage)).probes.filter((p) => p.target === target).map((p) => p.address))].sort();

  it('a vantage with only IPv4 addresses probes the IPv4 addresses and the DNS names of its targets, never the IPv6 ones', () => {
    expect(addressesFrom('v4-client', 'psm1')).toEqual(['192.0.2.10', 'psm1.example.net']);
    expect(addressesFrom('v6-client', 'psm1')).toEqual(['2001:db8::10', 'psm1.example.net']);
  });

  it('a vantage whose families are unknown (named by DNS) probes every address, as before', () => {
    expect(addressesFrom('dns-client', 'psm1')).toEqual(['192.0.2.10', '2001:db8::10', 'psm1.example.net']);
    expect(addressesFrom('dns-client', 'v6-only-server')).toEqual(['2001:db8::11']);
  });

  it('a target with no address of the vantage\'s families is listed as not testable, with why, never probed', () => {
    const plan = planChecks(families, findVantage(families, 'v4-client'));
    expect(plan.probes.some((p) => p.target === 'v6-only-server')).toBe(false);
    const rest = plan.notTestable.find((n) => n.row === 't1-rest' && n.to === 'v6-only-server');
    expect(rest).toMatchObject({ from: 'v4-client', testableFrom: [], why: expect.stringMatching(/only IPv4 .* only IPv6/) });
    expect(plan.notTestable.find((n) => n.row === 'path:v4-to-v6')?.why).toMatch(/two address families/);
    // merge expects the same: no probe of such a path, which it then lists as impossible to verify, with why.
    const path = matrixPaths(families).find((p) => p.id === 't1-rest/v4-client/v6-only-server');
    expect(path).toMatchObject({ points: [], untestable: [{ ports: '9998', why: expect.stringMatching(/two address families/) }] });
  });
});
