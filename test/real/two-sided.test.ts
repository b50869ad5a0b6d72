import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult, Report } from '../../src/report/types.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { run, runOk, signalPid, type ProcessHandle, type RunResult } from '../support/process.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';

/**
 * Two-sided checks before install, in network namespaces: the server namespace runs
 * `psm-netcheck respond` (nothing of PSM is installed there), peers run `check --via-responder`.
 * - client (a PSM client): TCP through the responder; an nftables reset on 3306 and a drop on
 *   8080; inventory paths that must stay closed (reset: pass, drop: pass, a port the responder
 *   serves: fail);
 * - nestand (a Linux host standing in for a BTI7800): UDP traps and NTP through the responder,
 *   with 1620 dropped;
 * - natclient, behind a router namespace that masquerades (IPv4 and IPv6): the answer shows
 *   the router's address, and the result says NAT is in the path;
 * - the same responder run unprivileged first: it says which ports it could not open and why.
 * Addresses: 198.51.100.0/24 and 2001:db8::/32 only, no default route anywhere.
 */
const why = missing(netns, binary('/usr/sbin/nft'), binary('/usr/sbin/runuser'));

const CLI = resolve('dist/src/cli/main.js');
const TOKEN = 'two-sided-test-token';
const NAT_INSIDE = { router4: '198.51.100.129', client4: '198.51.100.130', router6: '2001:db8:1::1', client6: '2001:db8:1::2' };

describe.skipIf(why !== undefined)(titleWith('two-sided checks through psm-netcheck respond (namespaces, nftables, NAT)', why), () => {
  let lab: NetnsLab;
  let natNs = '';
  let inventory = '';
  let responder: ProcessHandle;
  let unprivileged: RunResult;
  let fromClient: { run: RunResult; report: Report };
  let fromNe: { run: RunResult; report: Report };
  let fromNat: { run: RunResult; report: Report };
  const env = { ...process.env, PSMNC_TOKEN: TOKEN, NO_COLOR: '1' };

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['server', 'client', 'nestand', 'router'] });
    natNs = `${lab.prefix}natc`;
    await buildNat(lab, natNs);

    const dir = lab.tempDir('two-sided');
    inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      [
        'defaults: { timeout: 2s, retries: 0 }',
        'hosts:',
        `  - { name: server, role: psm-server, addresses: [${lab.addr('server')}, "${lab.addr('server', 6)}"], services: [ntp] }`,
        `  - { name: client, role: psm-client, addresses: [${lab.addr('client')}, "${lab.addr('client', 6)}"] }`,
        `  - { name: nestand, role: network-element, neType: bti7800, addresses: [${lab.addr('nestand')}] }`,
        `  - { name: natclient, role: psm-client, addresses: [${NAT_INSIDE.client4}, "${NAT_INSIDE.client6}"] }`,
        'paths:',
        '  - { name: mysql-closed, from: client, to: server, transport: tcp, ports: [3306], expect: closed }',
        '  - { name: graphite-closed, from: client, to: server, transport: tcp, ports: [8080], expect: closed }',
        '  - { name: jmx-closed, from: client, to: server, transport: tcp, ports: [9520], expect: closed }',
        'responder:',
        '  token: { env: PSMNC_TOKEN }',
        '',
      ].join('\n'),
    );

    // Unprivileged first, while the ports are free: it must say which it could not open.
    unprivileged = await lab.exec('server', process.execPath, [CLI, 'respond', '-i', inventory, '--from', 'server', '--for', '1s'], {
      user: 'nobody',
      env,
      timeoutMs: 30_000,
    });

    await lab.firewall('server', {
      input: ['tcp dport 3306 reject with tcp reset', 'tcp dport 8080 drop', 'udp dport 1620 drop'],
    });
    responder = lab.spawn('server', process.execPath, [CLI, 'respond', '-i', inventory, '--from', 'server', '--for', '10m'], { env });
    await responder.waitForOutput(/^ready: /m, 20_000);

    const check = async (host: string, only: string[]) => {
      const result = await lab.runNode(host, CLI, ['check', '-i', inventory, '--from', host, '--via-responder', 'server', '--format', 'json', '--only', ...only], { env, timeoutMs: 60_000 });
      return { run: result, report: JSON.parse(result.stdout) as Report };
    };
    [fromClient, fromNe] = await Promise.all([check('client', ['responder-tcp']), check('nestand', ['responder-udp'])]);
    const natRun = await run('ip', ['netns', 'exec', natNs, process.execPath, CLI, 'check', '-i', inventory, '--from', 'natclient', '--via-responder', 'server', '--format', 'json', '--only', 'responder-tcp'], { env, timeoutMs: 60_000 });
    fromNat = { run: natRun, report: JSON.parse(natRun.stdout) as Report };
    await responder.stop();
  });

  afterAll(async () => {
    if (natNs !== '') await removeNamespace(natNs);
    await lab?.destroy();
  });

  const find = (report: Report, row: string, port: number, family: 4 | 6 = 4): ProbeResult | undefined =>
    report.results.find((r) => r.rows.includes(row) && r.port === port && r.address === lab.addr('server', family));

  it('the unprivileged responder names the ports below 1024 it could not open, and why, and serves the rest', () => {
    expect(unprivileged.code).toBe(0);
    const server4 = lab.addr('server');
    expect(unprivileged.stdout).toMatch(new RegExp(`NOT OPEN  tcp/21 on ${server4.replaceAll('.', '\\.')}: permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE`));
    expect(unprivileged.stdout).toContain(`NOT OPEN  udp/162 on ${server4}: permission denied`);
    expect(unprivileged.stdout).toMatch(/open {6}tcp\/2812,3306,8080,9000,9520,9998/);
    expect(unprivileged.stdout).toContain('udp/1620');
  });

  it('the root responder opens every port of the server\'s roles', () => {
    expect(responder.output()).not.toContain('NOT OPEN');
    expect(responder.output()).toMatch(/open {6}tcp\/21,22,2812,3306,8080,9000,9520,9998/);
    expect(responder.output()).toMatch(/open {6}udp\/123,162,1620/);
  });

  it('from a PSM client: each inbound TCP path is verified through the responder, over IPv4 and IPv6', () => {
    for (const family of [4, 6] as const) {
      const rest = find(fromClient.report, 't1-rest', 9998, family);
      expect(rest).toMatchObject({ probe: 'responder-tcp', state: 'open', reason: 'responder-answered', verdict: 'pass', findings: [] });
      expect(rest?.message).toContain('verified through the responder');
      expect(rest?.evidence).toMatchObject({ responder: 'server', seenAddress: lab.addr('client', family) });
    }
    expect(find(fromClient.report, 't1-ssh', 22)).toMatchObject({ verdict: 'pass' });
  });

  it('from a PSM client: the firewall\'s reset and drop show as closed and filtered', () => {
    expect(find(fromClient.report, 't1-mysql', 3306)).toMatchObject({ state: 'closed', reason: 'refused', verdict: 'fail' });
    expect(find(fromClient.report, 't1-graphite', 8080)).toMatchObject({ state: 'filtered', reason: 'timeout', verdict: 'fail' });
    expect(fromClient.run.code).toBe(1);
  });

  it('expected-closed paths: pass when reset or dropped, fail when the port answers', () => {
    expect(find(fromClient.report, 'path:mysql-closed', 3306)).toMatchObject({ expected: 'closed', state: 'closed', verdict: 'pass' });
    expect(find(fromClient.report, 'path:graphite-closed', 8080)).toMatchObject({ expected: 'closed', state: 'filtered', verdict: 'pass' });
    const jmx = find(fromClient.report, 'path:jmx-closed', 9520);
    expect(jmx).toMatchObject({ expected: 'closed', state: 'open', verdict: 'fail' });
    expect(jmx?.message).toContain('expected closed, but it is open');
    // The matrix row on the same port wants it open, and passes.
    expect(find(fromClient.report, 't1-jmx', 9520)).toMatchObject({ expected: 'open', verdict: 'pass' });
  });

  it('from a network element stand-in: UDP traps and NTP answered, a dropped port silent', () => {
    for (const port of [162, 123]) {
      const row = port === 162 ? 't3-snmp-traps' : 't3-ntp';
      expect(find(fromNe.report, row, port)).toMatchObject({ probe: 'responder-udp', state: 'open', reason: 'responder-answered', verdict: 'pass' });
    }
    expect(find(fromNe.report, 't3-snmp-traps', 1620)).toMatchObject({ state: 'open|filtered', reason: 'responder-silent', verdict: 'fail' });
  });

  it('behind a masquerading router: the answer shows the router\'s address, and the result says NAT', () => {
    for (const family of [4, 6] as const) {
      const rest = find(fromNat.report, 't1-rest', 9998, family);
      expect(rest).toMatchObject({ state: 'open', reason: 'responder-answered', verdict: 'warn' });
      expect(rest?.evidence).toMatchObject({ seenAddress: lab.addr('router', family), localAddress: family === 4 ? NAT_INSIDE.client4 : NAT_INSIDE.client6 });
      expect(rest?.findings).toEqual([expect.objectContaining({ code: 'nat-detected', severity: 'warn' })]);
      expect(rest?.message).toContain('NAT in the path');
    }
    expect(responder.output()).toMatch(new RegExp(`answered natclient from ${lab.addr('router').replaceAll('.', '\\.')} port \\d+ on tcp/9998 \\(not an address of natclient: NAT in the path\\)`));
  });
});

/**
 * A namespace behind the lab's `router` host: its own /25 (and 2001:db8:1::/64) on a veth to the
 * router, which forwards and masquerades onto the lab bridge. Only lab addresses, no default route.
 */
async function buildNat(lab: NetnsLab, natNs: string): Promise<void> {
  const router = lab.ns('router');
  await runOk('ip', ['netns', 'add', natNs]);
  await runOk('ip', ['-n', router, 'link', 'add', 'inside', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', natNs]);
  await runOk('ip', ['-n', router, 'addr', 'add', `${NAT_INSIDE.router4}/25`, 'dev', 'inside']);
  await runOk('ip', ['-n', router, 'addr', 'add', `${NAT_INSIDE.router6}/64`, 'dev', 'inside', 'nodad']);
  await runOk('ip', ['-n', router, 'link', 'set', 'inside', 'up']);
  await runOk('ip', ['netns', 'exec', router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
  await lab.nft('router', 'table inet nat {\n  chain post {\n    type nat hook postrouting priority 100; policy accept;\n    oifname "eth0" masquerade\n  }\n}\n');
  await runOk('ip', ['-n', natNs, 'link', 'set', 'lo', 'up']);
  await runOk('ip', ['-n', natNs, 'addr', 'add', `${NAT_INSIDE.client4}/25`, 'dev', 'eth0']);
  await runOk('ip', ['-n', natNs, 'addr', 'add', `${NAT_INSIDE.client6}/64`, 'dev', 'eth0', 'nodad']);
  await runOk('ip', ['-n', natNs, 'link', 'set', 'eth0', 'up']);
  await runOk('ip', ['-n', natNs, 'route', 'add', '198.51.100.0/24', 'via', NAT_INSIDE.router4]);
  await runOk('ip', ['-n', natNs, '-6', 'route', 'add', '2001:db8::/64', 'via', NAT_INSIDE.router6]);
}

async function removeNamespace(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns]);
  for (const pid of pids.stdout.split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 1)) signalPid(pid, 'SIGKILL');
  await run('ip', ['netns', 'del', ns]);
}
