import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../src/inventory/load.js';
import type { Host, Inventory } from '../src/inventory/types.js';
import { listeningPorts, responderPorts, type ListeningPort } from '../src/planner/listening-ports.js';
import { addressChecks } from '../src/preflight/addresses.js';
import { ephemeralChecks, parsePortRange, parseReservedPorts } from '../src/preflight/ephemeral.js';
import { firewallChecks } from '../src/preflight/firewall.js';
import { portChecks, type PortHolder } from '../src/preflight/port-checks.js';
import { decodeAddress, parseProcNet, readLocalSockets } from '../src/preflight/proc-net.js';
import { runPreflight } from '../src/preflight/run.js';
import { socketOwners } from '../src/preflight/socket-owners.js';
import type { Report } from '../src/report/types.js';
import { runCli } from './support/cli.js';

/**
 * `psm-netcheck preflight` without privileges: /proc parsing, the ports a host must listen on,
 * port conflicts with a real listener on loopback (PSM ports moved to free high ports by the
 * inventory's overrides), the ephemeral range, addresses and the nftables reading (from a fixture:
 * reading the machine's own ruleset needs root and would test the machine, not the code).
 */

const DEPLOYMENT_YAML = `
hosts:
  - { name: psm1, role: psm-server, addresses: [192.0.2.10], services: [ntp, radius] }
  - { name: psm2, role: psm-server, addresses: [192.0.2.11], ports: { replication: "10000-10001" } }
  - { name: client1, role: psm-client, addresses: [192.0.2.20] }
  - { name: ne1, role: network-element, neType: bti7800, addresses: [192.0.2.30] }
paths:
  - { name: public-closed, from: client1, to: psm1, transport: udp, ports: [5555], expect: closed }
`;
const deployment: Inventory = parseInventory(DEPLOYMENT_YAML, 'preflight.yaml', '/tmp', { requireSecrets: false });
const hostOf = (inventory: Inventory, name: string): Host => inventory.hosts.find((h) => h.name === name) as Host;
const names = (ports: readonly ListeningPort[]): string[] => ports.map((p) => `${p.transport}/${p.port}`);

describe('the ports a host must listen on, from the matrix', () => {
  it('a PSM server: Table 1 ports, replication from the other server, and what its NEs send to it', () => {
    const ports = listeningPorts(deployment, hostOf(deployment, 'psm1'));
    expect(names(ports)).toEqual(
      expect.arrayContaining(['tcp/20', 'tcp/21', 'tcp/22', 'tcp/2812', 'tcp/3306', 'tcp/8080', 'tcp/9000', 'tcp/9520', 'tcp/9998', 'tcp/9999', 'tcp/10100']),
    );
    expect(names(ports.filter((p) => p.transport === 'udp'))).toEqual(['udp/123', 'udp/162', 'udp/1620', 'udp/1812', 'udp/1813']);
    expect(ports.find((p) => p.port === 20)?.connectable).toBe(false);
    expect(ports.find((p) => p.port === 22)?.rows).toEqual(['t1-ssh']);
    expect(ports.find((p) => p.port === 162)?.rows).toEqual(['t3-snmp-traps', 't8-snmp-trap-psm-server']);
  });

  it('follows port overrides and optional services', () => {
    const ports = names(listeningPorts(deployment, hostOf(deployment, 'psm2')));
    const replication = listeningPorts(deployment, hostOf(deployment, 'psm2')).filter((p) => p.rows.includes('t2-replication'));
    expect(names(replication)).toEqual(['tcp/10000', 'tcp/10001']);
    expect(ports).not.toContain('udp/123'); // psm2 does not declare the ntp service
    expect(ports).not.toContain('udp/1812');
  });

  it('a PSM client listens for the server\'s notifications only', () => {
    expect(names(listeningPorts(deployment, hostOf(deployment, 'client1')))).toEqual(
      Array.from({ length: 102 }, (_, i) => `tcp/${9999 + i}`),
    );
  });

  it('a lone server listens for no replication, and without NEs for no traps', () => {
    const alone = parseInventory('hosts:\n  - { name: s, role: psm-server, addresses: [192.0.2.1] }\n  - { name: c, role: psm-client, addresses: [192.0.2.2] }\n', 'a.yaml', '/tmp');
    const ports = names(listeningPorts(alone, hostOf(alone, 's')));
    expect(ports).not.toContain('tcp/9999');
    expect(ports).not.toContain('udp/162');
  });

  it('the responder serves the connectable ports and the inventory paths to the host', () => {
    const ports = names(responderPorts(deployment, hostOf(deployment, 'psm1')));
    expect(ports).not.toContain('tcp/20');
    expect(ports).toContain('tcp/21');
    expect(ports).toContain('udp/5555');
  });
});

describe('/proc/net parsing', () => {
  it('decodes the kernel\'s host-order addresses', () => {
    expect(decodeAddress('0100007F')).toBe('127.0.0.1');
    expect(decodeAddress('00000000')).toBe('0.0.0.0');
    expect(decodeAddress('00000000000000000000000001000000')).toBe('::1');
    expect(decodeAddress('00000000000000000000000000000000')).toBe('::');
    expect(decodeAddress('B80D0120000000000000000010000000')).toBe('2001:db8::10');
    expect(decodeAddress('0000000000000000FFFF00000100007F')).toBe('127.0.0.1');
    expect(decodeAddress('7F000001', false)).toBe('127.0.0.1');
    expect(decodeAddress('xyz')).toBeUndefined();
  });

  it('keeps TCP listeners and bound UDP sockets, nothing else', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:9C40 0100007F:0016 01 00000000:00000000 00:00000000 00000000  1000        0 2222 1 0000000000000000 20 4 30 10 -1',
    ].join('\n');
    expect(parseProcNet(tcp, 'tcp')).toEqual([{ transport: 'tcp', address: '0.0.0.0', port: 22, uid: 0, inode: 1111 }]);
    const udp = [
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
      '  100: 00000000:00A2 00000000:0000 07 00000000:00000000 00:00000000 00000000   110        0 3333 2 0000000000000000 0',
    ].join('\n');
    expect(parseProcNet(udp, 'udp')).toEqual([{ transport: 'udp', address: '0.0.0.0', port: 162, uid: 110, inode: 3333 }]);
  });

  it('finds a real listener of this process, and which process holds it', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const socket = (await readLocalSockets()).find((s) => s.transport === 'tcp' && s.port === port);
      expect(socket).toMatchObject({ address: '127.0.0.1', uid: process.getuid?.() });
      const owners = await socketOwners([socket?.inode ?? -1]);
      const comm = readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim();
      expect(owners.get(socket?.inode ?? -1)).toContainEqual({ pid: process.pid, command: comm });
    } finally {
      server.close();
    }
  });
});

describe('port checks', () => {
  const ports: ListeningPort[] = [
    { transport: 'tcp', port: 22, rows: ['t1-ssh'], applications: ['SSH'], connectable: true },
    { transport: 'tcp', port: 9998, rows: ['t1-rest'], applications: ['PSM REST WS'], connectable: true },
    { transport: 'udp', port: 162, rows: ['t3-snmp-traps'], applications: ['SNMP'], connectable: true },
    { transport: 'tcp', port: 3306, rows: ['t1-mysql'], applications: ['MySQL'], connectable: true },
  ];
  const holder = (transport: 'tcp' | 'udp', port: number, owners: PortHolder['owners'], user = 'root'): PortHolder => ({
    socket: { transport, port, address: '0.0.0.0', uid: 0, inode: port },
    owners,
    user,
  });

  it('passes a free port and the expected service, fails a stranger, warns on an owner it cannot see', () => {
    const checks = portChecks(ports, [
      holder('tcp', 22, [{ pid: 812, command: 'sshd' }]),
      holder('tcp', 9998, [{ pid: 4242, command: 'tomcat' }]),
      holder('udp', 162, [], 'Debian-snmp'),
    ]);
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId['port/tcp/22']).toMatchObject({ verdict: 'pass', evidence: { owners: ['sshd[812]'] } });
    expect(byId['port/tcp/22']?.message).toContain('the service expected here');
    expect(byId['port/tcp/9998']).toMatchObject({ verdict: 'fail', rows: ['t1-rest'] });
    expect(byId['port/tcp/9998']?.message).toContain('taken by tomcat (pid 4242)');
    expect(byId['port/tcp/9998']?.message).toContain('not the service expected here (java)');
    expect(byId['port/udp/162']).toMatchObject({ verdict: 'warn' });
    expect(byId['port/udp/162']?.message).toContain('user Debian-snmp');
    expect(byId['port/tcp/3306']).toMatchObject({ verdict: 'pass', message: 'tcp/3306 (MySQL): free' });
  });
});

describe('ephemeral range, addresses, firewall', () => {
  const listening: ListeningPort[] = [
    { transport: 'tcp', port: 9998, rows: ['t1-rest'], applications: ['PSM REST WS'], connectable: true },
    { transport: 'tcp', port: 10000, rows: ['t2-replication'], applications: ['Server Replication'], connectable: true },
    { transport: 'tcp', port: 22, rows: ['t1-ssh'], applications: ['SSH'], connectable: true },
    { transport: 'tcp', port: 3306, rows: ['t1-mysql'], applications: ['MySQL'], connectable: true },
    { transport: 'udp', port: 162, rows: ['t3-snmp-traps'], applications: ['SNMP'], connectable: true },
  ];

  it('parses the two sysctls', () => {
    expect(parsePortRange('32768\t60999\n')).toEqual({ from: 32768, to: 60999 });
    expect(parsePortRange('nonsense')).toBeUndefined();
    expect(parseReservedPorts('9999-10100,9998\n')).toEqual([{ from: 9999, to: 10100 }, { from: 9998, to: 9998 }]);
    expect(parseReservedPorts('\n')).toEqual([]);
  });

  it('the default range passes both checks', () => {
    const checks = ephemeralChecks({ from: 32768, to: 60999 }, [], listening);
    expect(checks.map((c) => [c.id, c.verdict])).toEqual([['ephemeral-range', 'pass'], ['ephemeral-overlap', 'pass']]);
  });

  it('a wide range overlapping PSM ports warns, except for reserved ports', () => {
    const [, overlap] = ephemeralChecks({ from: 1024, to: 65535 }, [{ from: 9999, to: 10100 }], listening);
    expect(overlap).toMatchObject({ verdict: 'warn', evidence: { ports: ['tcp/9998', 'tcp/3306'] } });
    expect(overlap?.message).toContain('net.ipv4.ip_local_reserved_ports');
  });

  it('a range below the seed\'s 1023 warns', () => {
    const [range] = ephemeralChecks({ from: 500, to: 60999 }, [], listening);
    expect(range).toMatchObject({ verdict: 'warn' });
    expect(range?.message).toContain('reach below 1023');
  });

  it('each inventory address must be on an interface; names are skipped', () => {
    const host: Host = { ...hostOf(deployment, 'psm1'), addresses: ['127.0.0.1', '198.51.100.99', '::1', 'psm1.example.net'] };
    const checks = addressChecks(host, ['127.0.0.1', '::1']);
    expect(checks.map((c) => c.verdict)).toEqual(['pass', 'fail', 'pass', 'skip']);
    expect(checks[1]?.message).toContain('is on no interface of this host');
  });

  it('reads an nftables ruleset: accepted, dropped by a rule, by the policy, or conditional', () => {
    const ruleset = {
      nftables: [
        { metainfo: { version: '1.0.6', json_schema_version: 1 } },
        { table: { family: 'inet', name: 'filter', handle: 1 } },
        { chain: { family: 'inet', table: 'filter', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'drop' } },
        rule(2, [{ match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } }, { accept: null }]),
        rule(3, [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 22 } }, { accept: null }]),
        rule(4, [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: { set: [9000, { range: [9998, 10100] }] } } }, { accept: null }]),
        rule(5, [{ match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: 162 } }, { drop: null }]),
        rule(6, [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '203.0.113.0/24' } }, { drop: null }]),
      ],
    };
    const [check] = firewallChecks({ ok: true, ruleset }, listening);
    expect(check).toMatchObject({ id: 'firewall', verdict: 'warn' });
    expect(check?.evidence.blocked).toEqual(['tcp/3306 (policy drop of inet filter input)', 'udp/162 (drop by rule 5 of inet filter input)']);
    expect(check?.evidence.conditionalRules).toEqual(['rule 6 of inet filter input']);
    expect(firewallChecks({ ok: true, ruleset: { nftables: [] } }, listening)[0]).toMatchObject({ verdict: 'pass' });
    expect(firewallChecks({ ok: false, verdict: 'skip', why: 'needs root' }, listening)[0]).toMatchObject({ verdict: 'skip' });
  });
});

function rule(handle: number, expr: Record<string, unknown>[]): { rule: Record<string, unknown> } {
  return { rule: { family: 'inet', table: 'filter', chain: 'input', handle, expr } };
}

describe('psm-netcheck preflight on loopback', () => {
  let dir = '';
  let squatter: net.Server;
  let taken = 0;
  const free: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-preflight-'));
    squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    taken = (squatter.address() as net.AddressInfo).port;
    for (let i = 0; i < 8; i++) free.push(await freePort());
    const [ftp, ssh, monit, mysql, graphite, dashboard, jmx] = free;
    await writeFile(
      join(dir, 'inventory.yaml'),
      `
hosts:
  - name: server
    role: psm-server
    addresses: [127.0.0.1, 198.51.100.99]
    ports: { ftp: ${ftp}, ssh: ${ssh}, monit: ${monit}, mysql: ${mysql}, graphite: ${graphite}, dashboard: ${dashboard}, jmx: ${jmx}, rest: ${taken} }
  - { name: client, role: psm-client, addresses: [127.0.0.1] }
`,
    );
  });
  afterAll(() => {
    squatter?.close();
  });

  it('fails a PSM port taken by another process, says which, and still runs the outbound checks', async () => {
    const run = await runCli(['preflight', '-i', join(dir, 'inventory.yaml'), '--from', 'server', '--format', 'json', '--only', 'tcp', '--timeout', '1s']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    const checks = report.preflight?.checks ?? [];
    const rest = checks.find((c) => c.id === `port/tcp/${taken}`);
    expect(rest).toMatchObject({ verdict: 'fail', rows: ['t1-rest'] });
    expect(rest?.message).toMatch(/taken by \S+ \(pid \d+\) on 127\.0\.0\.1, not the service expected here \(java\)/);
    expect(checks.find((c) => c.id === `port/tcp/${free[6]}`)).toMatchObject({ verdict: 'pass' });
    expect(checks.find((c) => c.id === 'address/198.51.100.99')).toMatchObject({ verdict: 'fail' });
    expect(checks.find((c) => c.id === 'address/127.0.0.1')).toMatchObject({ verdict: 'pass' });
    expect(checks.some((c) => c.id === 'ephemeral-range')).toBe(true);
    expect(checks.some((c) => c.id === 'firewall')).toBe(true);
    expect(report.preflight?.summary.total).toBe(checks.length);
    // The outbound half: the server's probes to the client's notification range.
    expect(report.results.some((r) => r.rows.includes('t1-rest-notification'))).toBe(true);

    const schema = JSON.parse(await readFile(join(process.cwd(), 'schemas/report.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it('shows the local checks first in the human report', async () => {
    const run = await runCli(['preflight', '-i', join(dir, 'inventory.yaml'), '--from', 'server', '--only', 'tcp', '--timeout', '1s', '--no-progress']);
    expect(run.stdout).toMatch(/Local checks on server before install \(\d+ fail/);
    expect(run.stdout).toContain(`port/tcp/${taken}`);
  });

  it('refuses a report format that cannot show the local checks', async () => {
    const run = await runCli(['preflight', '-i', join(dir, 'inventory.yaml'), '--from', 'server', '-o', join(dir, 'x.prom')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('preflight writes json, human or wide reports');
  });

  it('runs the same checks in process, with an injected firewall reading', async () => {
    const inventory = parseInventory(await readFile(join(dir, 'inventory.yaml'), 'utf8'), 'inventory.yaml', dir);
    const section = await runPreflight({
      inventory,
      host: hostOf(inventory, 'server'),
      machineAddresses: ['127.0.0.1'],
      readFirewall: () => Promise.resolve({ ok: false, verdict: 'skip', why: 'not read in this test' }),
    });
    expect(section.checks.find((c) => c.id === `port/tcp/${taken}`)?.evidence.owners).toEqual([
      `${readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim()}[${process.pid}]`,
    ]);
    expect(section.checks.find((c) => c.id === 'firewall')).toMatchObject({ verdict: 'skip' });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
