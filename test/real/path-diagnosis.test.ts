import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult, Report } from '../../src/report/types.js';
import { createRoutedLab, type RoutedLab } from '../support/routed-path-lab.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';
import { LAB_USER, ensureLabUser } from '../support/daemons.js';

/**
 * Where a path breaks, through the real CLI in a routed lab: vantage - r1 - r2 - target, with
 * nftables on r2 (the router in front of the target) and routes of each type on r2. The ICMP
 * error observer must name the reason and the router that sent it; --locate must name the last
 * hop before a silent drop. Every address is in 198.51.100.0/24 or 2001:db8::/32, no default route.
 */
const why = missing(netns, binary('/usr/sbin/nft'));

const TCP = { open: 7001, drop: 7002, reset: 7003, prohibited: 7004 } as const;
const UDP = { echo: 9001, drop: 9002, prohibited: 9004, closed: 9009 } as const;
/**
 * Two probes of one run to one destination port, told apart only by their source ports: the udp
 * probe's empty datagram (UDP length 8) and the ntp probe's 48-byte request (UDP length 56), which
 * r2 treats differently by length. No listener on either port at the target.
 */
const SHARED = { rejectNtp: 9005, dropNtp: 9006 } as const;
const ROUTED = { unreachable: '140', prohibit: '141', blackhole: '142' } as const;

describe.skipIf(why !== undefined)(titleWith('ICMP error observer and --locate in a routed lab', why), () => {
  let routed: RoutedLab;
  let report: Report;
  let inventoryPath: string;

  beforeAll(async () => {
    routed = await createRoutedLab();
    const { lab } = routed;
    const serve =
      `for (const p of ${JSON.stringify(Object.values(TCP))}) require('net').createServer((s) => s.end()).listen(p, '::');` +
      `for (const p of ${JSON.stringify([UDP.echo, UDP.drop, UDP.prohibited])}) { const s = require('dgram').createSocket('udp6'); s.on('message', (m, r) => s.send(Buffer.from('echo'), r.port, r.address)); s.bind(p, '::'); }`;
    lab.spawn('target', process.execPath, ['-e', serve]);
    for (let i = 0; i < 50 && !(await lab.listening('target', 'udp', UDP.prohibited)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await lab.nft(
      'r2',
      [
        'table inet middle {',
        '  chain forward {',
        '    type filter hook forward priority 0; policy accept;',
        `    tcp dport ${TCP.drop} drop`,
        `    udp dport ${UDP.drop} drop`,
        `    tcp dport ${TCP.reset} reject with tcp reset`,
        `    tcp dport ${TCP.prohibited} reject with icmpx type admin-prohibited`,
        `    udp dport ${UDP.prohibited} reject with icmpx type admin-prohibited`,
        `    udp dport ${SHARED.rejectNtp} udp length 56 reject with icmpx type admin-prohibited`,
        `    udp dport ${SHARED.dropNtp} udp length 56 drop`,
        `    udp dport ${SHARED.dropNtp} reject with icmpx type admin-prohibited`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    for (const [type, suffix] of Object.entries(ROUTED)) {
      await lab.execOk('r2', 'ip', ['route', 'add', type, `198.51.100.${suffix}/32`]);
      await lab.execOk('r2', 'ip', ['-6', 'route', 'add', type, `2001:db8:c::${suffix}/128`]);
    }

    const dir = lab.tempDir('path-diagnosis');
    const inventory = join(dir, 'inventory.yaml');
    inventoryPath = inventory;
    const target = routed.addr.target;
    const path = (name: string, to: string, transport: string, ports: readonly number[]) =>
      `  - { name: ${name}, from: vantage, to: ${to}, transport: ${transport}, ports: [${ports.join(', ')}] }`;
    writeFileSync(
      inventory,
      [
        // One retry, as by default: r2 rations its route errors (a burst of 5 per source, then one
        // a second, host-wide: docs/probes.md), and a UDP probe whose error was rationed out would
        // otherwise hear silence (seen once in CI, under load).
        'defaults: { timeout: 1500ms, retries: 1 }',
        'hosts:',
        `  - { name: vantage, role: psm-client, addresses: [${routed.addr.vantage[4]}, "${routed.addr.vantage[6]}"] }`,
        `  - { name: target, role: noc, addresses: [${target[4]}, "${target[6]}"] }`,
        ...Object.entries(ROUTED).map(([type, suffix]) => `  - { name: ${type}, role: noc, addresses: [198.51.100.${suffix}, "2001:db8:c::${suffix}"] }`),
        'paths:',
        path('tcp-target', 'target', 'tcp', Object.values(TCP)),
        path('udp-target', 'target', 'udp', [...Object.values(UDP), ...Object.values(SHARED)]),
        `  - { name: ntp-shared, from: vantage, to: target, transport: udp, ports: [${Object.values(SHARED).join(', ')}], probe: ntp }`,
        ...Object.keys(ROUTED).flatMap((type) => [path(`tcp-${type}`, type, 'tcp', [TCP.open]), path(`udp-${type}`, type, 'udp', [UDP.echo])]),
        '',
      ].join('\n'),
    );
    const run = await routed.lab.runNode('vantage', 'dist/src/cli/main.js', ['check', '-i', inventory, '--from', 'vantage', '--format', 'json', '--only', 'tcp', 'udp', 'ntp'], {
      timeoutMs: 120_000,
    });
    if (run.stdout.trim() === '') throw new Error(`check printed nothing (${String(run.code)}):\n${run.stderr}`);
    report = JSON.parse(run.stdout) as Report;
  }, 180_000);

  afterAll(async () => {
    await routed?.lab.destroy();
  });

  const result = (address: string, port: number, transport: 'tcp' | 'udp', probe: string = transport): ProbeResult => {
    const found = report.results.find((r) => r.address === address && r.port === port && r.transport === transport && r.probe === probe);
    if (found === undefined) throw new Error(`no result for ${transport} ${address} ${port}`);
    return found;
  };
  const both = [4, 6] as const;

  it('reports the observer and --locate as on (root in the namespace)', () => {
    expect(report.pathDiagnosis).toMatchObject({ icmpObserver: { on: true }, locate: { on: true } });
  });

  it('an open path stays open and carries no ICMP fact', () => {
    for (const family of both) {
      const open = result(routed.addr.target[family], TCP.open, 'tcp');
      expect(open).toMatchObject({ state: 'open', reason: 'connected' });
      expect(open.icmp).toBeUndefined();
      expect(open.locate).toBeUndefined();
    }
  });

  it('reject with icmp admin-prohibited names the firewall router, TCP and UDP, IPv4 and IPv6', () => {
    for (const family of both) {
      for (const [port, transport] of [[TCP.prohibited, 'tcp'], [UDP.prohibited, 'udp']] as const) {
        const found = result(routed.addr.target[family], port, transport);
        expect(found).toMatchObject({ state: 'filtered', reason: 'admin-prohibited', icmp: { from: routed.addr.r2[family], fromTarget: false } });
        // The source port it was matched by: known although the error destroyed the socket.
        expect(found.sourcePorts).toHaveLength(1);
      }
    }
  });

  it('two probes to one destination port: each result names the ICMP error its own packets caused (matched by source port)', () => {
    for (const family of both) {
      const target = routed.addr.target[family];
      // The ntp request is rejected by r2; the udp probe's empty datagram reaches the target's closed port.
      const rejected = result(target, SHARED.rejectNtp, 'udp', 'ntp');
      const closed = result(target, SHARED.rejectNtp, 'udp', 'udp');
      expect(rejected).toMatchObject({ state: 'filtered', reason: 'admin-prohibited', icmp: { from: routed.addr.r2[family], fromTarget: false } });
      expect(closed).toMatchObject({ state: 'closed', reason: 'port-unreachable', icmp: { from: target, fromTarget: true } });
      // One answered, one not: the ntp request is dropped in silence, the udp datagram rejected.
      const silent = result(target, SHARED.dropNtp, 'udp', 'ntp');
      const answered = result(target, SHARED.dropNtp, 'udp', 'udp');
      expect(answered).toMatchObject({ state: 'filtered', reason: 'admin-prohibited', icmp: { from: routed.addr.r2[family] } });
      expect(silent.state).toBe('open|filtered');
      expect(silent.icmp).toBeUndefined();
      for (const found of [rejected, closed, silent, answered]) expect(found.sourcePorts).toHaveLength(found.attempts);
    }
  });

  it('reject with tcp reset: closed (refused), no ICMP', () => {
    for (const family of both) {
      const found = result(routed.addr.target[family], TCP.reset, 'tcp');
      expect(found).toMatchObject({ state: 'closed', reason: 'refused' });
      expect(found.icmp).toBeUndefined();
    }
  });

  it('a closed UDP port: port-unreachable from the target itself', () => {
    for (const family of both) {
      const found = result(routed.addr.target[family], UDP.closed, 'udp');
      expect(found).toMatchObject({ state: 'closed', reason: 'port-unreachable', icmp: { from: routed.addr.target[family], fromTarget: true } });
    }
  });

  it('a drop on r2: --locate says the last hop is r2 (hop 2) and the target is 3 hops away by ICMP', () => {
    for (const family of both) {
      for (const [port, transport, method] of [[TCP.drop, 'tcp', 'tcp-syn'], [UDP.drop, 'udp', 'udp']] as const) {
        const found = result(routed.addr.target[family], port, transport);
        expect(found.state).toMatch(/filtered/);
        expect(found.locate).toMatchObject({ method, lastHop: 2, lastHopAddress: routed.addr.r2[family], reachedTarget: false, targetHopsByIcmp: 3 });
      }
    }
  });

  it('an unreachable route on r2: host-unreachable (v4) / no-route-to-destination (v6) from router r2', () => {
    for (const [family, reason] of [[4, 'host-unreachable'], [6, 'no-route-to-destination']] as const) {
      for (const [port, transport] of [[TCP.open, 'tcp'], [UDP.echo, 'udp']] as const) {
        const address = family === 4 ? `198.51.100.${ROUTED.unreachable}` : `2001:db8:c::${ROUTED.unreachable}`;
        expect(result(address, port, transport)).toMatchObject({ state: 'filtered', reason, icmp: { from: routed.addr.r2[family] } });
      }
    }
  });

  it('a prohibit route on r2: admin-prohibited by r2', () => {
    for (const family of both) {
      for (const [port, transport] of [[TCP.open, 'tcp'], [UDP.echo, 'udp']] as const) {
        const address = family === 4 ? `198.51.100.${ROUTED.prohibit}` : `2001:db8:c::${ROUTED.prohibit}`;
        expect(result(address, port, transport)).toMatchObject({ state: 'filtered', reason: 'admin-prohibited', icmp: { from: routed.addr.r2[family] } });
      }
    }
  });

  // The route lookup comes before the TTL check: a blackhole on r2 discards even the TTL-2 probe
  // without a Time Exceeded, so the last hop that answers is r1. (A forward-chain drop on r2, above,
  // comes after the TTL check: there r2 still answers.)
  it('a blackhole route on r2: silence, and the last hop that answers is r1 (hop 1)', () => {
    for (const family of both) {
      for (const [port, transport] of [[TCP.open, 'tcp'], [UDP.echo, 'udp']] as const) {
        const address = family === 4 ? `198.51.100.${ROUTED.blackhole}` : `2001:db8:c::${ROUTED.blackhole}`;
        const found = result(address, port, transport);
        expect(found.icmp).toBeUndefined();
        expect(found.locate).toMatchObject({ lastHop: 1, lastHopAddress: routed.addr.r1[family], reachedTarget: false });
      }
    }
  });

  it('serve runs the observer and --locate each cycle: a real scrape of /metrics names who rejected and the last hop', async () => {
    const listen = `${routed.addr.vantage[4]}:19469`;
    const serve = routed.lab.spawn('vantage', process.execPath, [
      'dist/src/cli/main.js',
      'serve',
      '-i',
      inventoryPath,
      '--from',
      'vantage',
      '--only',
      'tcp',
      '--interval',
      '10m',
      '--listen',
      listen,
      '--log-format',
      'json',
    ]);
    try {
      await serve.waitForOutput(/"msg":"listening"/, 20_000);
      // Scraped from inside the vantage namespace, over HTTP, as Prometheus would.
      const scrape = async (path: string): Promise<string> => {
        const fetched = await routed.lab.execOk('vantage', process.execPath, [
          '-e',
          `fetch('http://${listen}${path}', { signal: AbortSignal.timeout(5000) }).then(async (r) => process.stdout.write(r.status + '\\n' + (await r.text())))`,
        ], { timeoutMs: 10_000 });
        return fetched.stdout;
      };
      let metrics = '';
      // Until the first run has finished (it probes for a few seconds, then locates).
      for (const until = Date.now() + 60_000; Date.now() < until && !/^psm_netcheck_runs_total\{vantage="vantage"\} 1$/m.test(metrics); ) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        metrics = await scrape('/metrics');
      }
      const r2 = routed.addr.r2[4];
      const target = routed.addr.target[4];
      expect(metrics).toMatch(/^psm_netcheck_icmp_observer_on\{vantage="vantage"\} 1$/m);
      expect(metrics).toMatch(/^psm_netcheck_locate_on\{vantage="vantage"\} 1$/m);
      const series = (family: string, port: number): string =>
        metrics.split('\n').find((line) => line.startsWith(`${family}{`) && line.includes(`address="${target}"`) && line.includes(`port="${port}"`)) ?? '';
      expect(series('psm_netcheck_probe_icmp_error_info', TCP.prohibited)).toMatch(/icmp_reason="admin-prohibited".*sender="198\.51\.100\.66",sender_is_target="false"\} 1$/);
      expect(series('psm_netcheck_probe_locate_last_hop', TCP.drop)).toMatch(new RegExp(`method="tcp-syn",hop_address="${r2.replace(/\./g, '\\.')}"\\} 2$`));
      const report = JSON.parse((await scrape('/report.json')).replace(/^200\n/, '')) as Report;
      expect(report.pathDiagnosis).toMatchObject({ icmpObserver: { on: true }, locate: { on: true } });
    } finally {
      await serve.stop();
    }
  }, 120_000);

  it('without CAP_NET_RAW (an unprivileged user): the socket classification stays, and the report says the observer was off', async () => {
    await ensureLabUser();
    const run = await routed.lab.runNode(
      'vantage',
      'dist/src/cli/main.js',
      ['check', '-i', inventoryPath, '--from', 'vantage', '--format', 'json', '--only', 'tcp', '--no-progress'],
      { user: LAB_USER, timeoutMs: 120_000 },
    );
    const unprivileged = JSON.parse(run.stdout) as Report;
    expect(unprivileged.pathDiagnosis?.icmpObserver).toMatchObject({ on: false, why: expect.stringContaining('CAP_NET_RAW') });
    expect(unprivileged.pathDiagnosis?.locate.on).toBe(false);
    const prohibited = unprivileged.results.find((r) => r.address === routed.addr.target[4] && r.port === TCP.prohibited);
    // Linux folds ICMP code 13 into EHOSTUNREACH: without the observer that is all the socket says.
    expect(prohibited).toMatchObject({ state: 'filtered', reason: 'host-unreachable' });
    expect(prohibited?.icmp).toBeUndefined();
  }, 180_000);
});
