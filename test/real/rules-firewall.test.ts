import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/types.js';
import type { RuleSet } from '../../src/rules/types.js';
import type { ProcessHandle, RunResult } from '../support/process.js';
import { createRoutedLab, type RoutedLab } from '../support/routed-lab.js';
import { covers, resultKey } from '../support/rule-coverage.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';

/**
 * The proof of `psm-netcheck rules`: a router between three zones (the PSM server; a client site;
 * two BTI7800 stand-ins) whose forward policy is drop, and nothing else open but what `rules`
 * generated. Every host runs `psm-netcheck respond` (the services are not installed: the
 * responder answers on every port the matrix gives the host, and on the ports of the paths that
 * must stay closed), and `check --via-responder` runs from every host. With the generated
 * nftables rules, then in a second run the iptables-restore ones, every required path passes
 * and every expected-closed path is closed; with one generated rule removed, exactly the paths
 * that rule alone carried fail. 198.51.100.0/24 and 2001:db8::/32 only, no default route.
 */
const why = missing(netns, binary('/usr/sbin/nft'), binary('/usr/sbin/iptables-restore'), binary('/usr/sbin/ip6tables-restore'));

const CLI = resolve('dist/src/cli/main.js');
const TOKEN = 'rules-firewall-test-token';
const HOSTS = ['server', 'client', 'ne1', 'ne2'] as const;
/** The rule taken out: its two NEs' shell paths from the client are carried by no other rule. */
const REMOVED_ROW = 't4-shell';

interface Side {
  readonly host: string;
  readonly run: RunResult;
  readonly report: Report;
}

describe.skipIf(why !== undefined)(titleWith('rules: the generated firewall on a router makes every path pass, and only it (nftables, iptables)', why), () => {
  let lab: RoutedLab;
  let inventory = '';
  let rules: RuleSet;
  let nftText = '';
  const responders: ProcessHandle[] = [];
  let withNft: Side[] = [];
  let withoutOne: Side[] = [];
  let withIptables: Side[] = [];
  let withReject: Side[] = [];
  let loadedNft = '';
  let loadedIptables = '';
  const env = { ...process.env, PSMNC_TOKEN: TOKEN, NO_COLOR: '1' };

  const cli = (host: string, args: readonly string[]): Promise<RunResult> =>
    lab.exec(host, process.execPath, [CLI, ...args], { env, cwd: process.cwd(), timeoutMs: 120_000 });

  const checkEverySide = async (from: readonly string[] = HOSTS): Promise<Side[]> =>
    Promise.all(
      from.map(async (host) => {
        const others = HOSTS.filter((h) => h !== host);
        const run = await cli(host, ['check', '-i', inventory, '--from', host, '--via-responder', ...others, '-f', 'json', '--no-progress']);
        if (run.stdout === '') throw new Error(`check from ${host} wrote no report (exit ${run.code}): ${run.stderr}`);
        return { host, run, report: JSON.parse(run.stdout) as Report };
      }),
    );

  beforeAll(async () => {
    lab = await createRoutedLab({ zones: [['server'], ['client'], ['ne1', 'ne2']] });
    inventory = join(lab.dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      [
        'defaults: { timeout: 2s, retries: 0 }',
        'hosts:',
        `  - { name: server, role: psm-server, addresses: [${lab.addr('server')}, "${lab.addr('server', 6)}"], services: [ntp] }`,
        `  - { name: client, role: psm-client, addresses: [${lab.addr('client')}, "${lab.addr('client', 6)}"] }`,
        `  - { name: ne1, role: network-element, neType: bti7800, addresses: [${lab.addr('ne1')}, "${lab.addr('ne1', 6)}"] }`,
        `  - { name: ne2, role: network-element, neType: bti7800, addresses: [${lab.addr('ne2')}, "${lab.addr('ne2', 6)}"] }`,
        'paths:',
        '  - { name: no-rest-from-ne, from: ne1, to: server, transport: tcp, ports: [9998], expect: closed }',
        '  - { name: no-telnet-to-ne, from: client, to: ne2, transport: tcp, ports: [23], expect: closed }',
        'responder:',
        '  token: { env: PSMNC_TOKEN }',
        '',
      ].join('\n'),
    );

    const files = { nft: join(lab.dir, 'psm.nft'), v4: join(lab.dir, 'rules.v4'), v6: join(lab.dir, 'rules.v6') };
    const generated = await cli('server', ['rules', '-i', inventory, '-f', 'json', '-o', files.nft, '-o', files.v4, '-o', files.v6]);
    if (generated.code !== 0) throw new Error(`rules failed: ${generated.stderr}`);
    rules = JSON.parse(generated.stdout) as RuleSet;
    nftText = readFileSync(files.nft, 'utf8');

    for (const host of HOSTS) {
      const responder = lab.spawn(host, process.execPath, [CLI, 'respond', '-i', inventory, '--from', host, '--for', '10m'], { env });
      responders.push(responder);
    }
    await Promise.all(responders.map((r) => r.waitForOutput(/^ready: /m, 30_000)));

    // First run: the nftables rule set, as generated.
    await lab.execOk('router', 'nft', ['-f', files.nft]);
    loadedNft = (await lab.execOk('router', 'nft', ['list', 'ruleset'])).stdout;
    withNft = await checkEverySide();

    // The same, less the rules of one entry.
    const removed = nftText
      .split('\n')
      .filter((line) => !line.includes(`comment "${REMOVED_ROW}"`))
      .join('\n');
    await lab.execOk('router', 'nft', ['-f', '-'], { input: removed });
    withoutOne = await checkEverySide();

    // Second run: nftables emptied, the iptables-restore rule sets for both families.
    await lab.execOk('router', 'nft', ['flush', 'ruleset']);
    await lab.execOk('router', 'iptables-restore', [], { input: readFileSync(files.v4, 'utf8') });
    await lab.execOk('router', 'ip6tables-restore', [], { input: readFileSync(files.v6, 'utf8') });
    loadedIptables = (await lab.execOk('router', 'iptables-save', [])).stdout + (await lab.execOk('router', 'ip6tables-save', [])).stdout;
    withIptables = await checkEverySide();

    // --deny reject: the same allow rules, the denies answering. Loaded as nft, the iptables files
    // checked by iptables-restore --test; only the two hosts that open an expected-closed path check.
    const reject = { nft: join(lab.dir, 'reject.nft'), v4: join(lab.dir, 'reject.v4'), v6: join(lab.dir, 'reject.v6') };
    const rejecting = await cli('server', ['rules', '-i', inventory, '--deny', 'reject', '-f', 'none', '-o', reject.nft, '-o', reject.v4, '-o', reject.v6]);
    if (rejecting.code !== 0) throw new Error(`rules --deny reject failed: ${rejecting.stderr}`);
    await lab.execOk('router', 'iptables-restore', ['--test'], { input: readFileSync(reject.v4, 'utf8') });
    await lab.execOk('router', 'ip6tables-restore', ['--test'], { input: readFileSync(reject.v6, 'utf8') });
    await lab.execOk('router', 'nft', ['flush', 'ruleset']);
    await lab.execOk('router', 'nft', ['-f', reject.nft]);
    withReject = await checkEverySide(['client', 'ne1']);
  }, 600_000);

  afterAll(async () => {
    await Promise.all(responders.map((r) => r.stop()));
    await lab?.destroy();
  });

  const failing = (sides: readonly Side[]): string[] =>
    sides.flatMap((side) => side.report.results.filter((r) => r.verdict !== 'pass' && r.verdict !== 'warn').map((r) => `${side.host} -> ${resultKey(r)}`)).sort();

  it('rules aggregates the two elements into one entry per row, and writes loadable rule sets with the row ids as comments', () => {
    const shell = rules.entries.find((e) => e.row === REMOVED_ROW);
    expect(shell?.destinations.map((d) => d.host)).toEqual(['ne1', 'ne2']);
    expect(rules.entries.filter((e) => e.action === 'deny').map((e) => e.row)).toEqual(['path:no-rest-from-ne', 'path:no-telnet-to-ne']);
    for (const entry of rules.entries) {
      expect(loadedNft).toContain(`comment "${entry.row}"`);
      // iptables-save quotes a comment only when it needs to (`path:` does).
      expect(loadedIptables).toMatch(new RegExp(`--comment "?${entry.row}"? -j`));
    }
    expect(loadedNft).toContain('policy drop;');
    expect(loadedIptables).toContain(':FORWARD DROP');
  });

  for (const [label, sides] of [
    ['nftables', () => withNft],
    ['iptables-restore', () => withIptables],
  ] as const) {
    it(`with the ${label} rules: every required path passes from every side, every expected-closed path is closed`, () => {
      for (const side of sides()) {
        expect(side.report.results.length, side.host).toBeGreaterThan(0);
        expect(failing([side]), `${side.host}: ${side.run.stderr}`).toEqual([]);
        expect(side.run.code, side.host).toBe(0);
      }
      const closed = sides().flatMap((side) => side.report.results.filter((r) => r.expected === 'closed'));
      expect(closed.map((r) => `${r.rows[0]} ${r.address}`).sort()).toEqual(
        [`path:no-rest-from-ne ${lab.addr('server')}`, `path:no-rest-from-ne ${lab.addr('server', 6)}`, `path:no-telnet-to-ne ${lab.addr('ne2')}`, `path:no-telnet-to-ne ${lab.addr('ne2', 6)}`].sort(),
      );
      expect(closed.every((r) => r.state === 'filtered' && r.verdict === 'pass')).toBe(true);
      // Every path the report can test crossed the router: each vantage's required results are there.
      expect(sides().find((s) => s.host === 'client')?.report.results.some((r) => r.rows.includes('t1-rest') && r.address === lab.addr('server', 6))).toBe(true);
      expect(sides().find((s) => s.host === 'ne2')?.report.results.some((r) => r.rows.includes('t3-snmp-traps') && r.port === 1620)).toBe(true);
    });
  }

  it('with --deny reject: the expected-closed paths are refused (closed, not filtered), and every other path still passes', () => {
    expect(failing(withReject)).toEqual([]);
    const closed = withReject.flatMap((side) => side.report.results.filter((r) => r.expected === 'closed'));
    expect(closed).toHaveLength(4);
    for (const result of closed) expect(result, `${result.rows[0]} ${result.address}`).toMatchObject({ state: 'closed', verdict: 'pass' });
  });

  it(`without the rules of ${REMOVED_ROW}: exactly the paths that entry alone carried fail`, () => {
    const entry = rules.entries.find((e) => e.row === REMOVED_ROW);
    if (entry === undefined) throw new Error(`no entry for ${REMOVED_ROW}`);
    const others = rules.entries.filter((e) => e !== entry && e.action === 'allow');
    const expected = withNft
      .flatMap((side) =>
        side.report.results
          .filter((r) => r.expected !== 'closed' && covers(entry, side.host, r) && !others.some((other) => covers(other, side.host, r)))
          .map((r) => `${side.host} -> ${resultKey(r)}`),
      )
      .sort();
    expect(expected).toEqual(
      [
        `client -> ${lab.addr('ne1')} tcp/2024`,
        `client -> ${lab.addr('ne1', 6)} tcp/2024`,
        `client -> ${lab.addr('ne2')} tcp/2024`,
        `client -> ${lab.addr('ne2', 6)} tcp/2024`,
      ].sort(),
    );
    expect(failing(withoutOne)).toEqual(expected);
    for (const result of withoutOne.flatMap((side) => side.report.results.filter((r) => r.verdict === 'fail'))) {
      expect(result).toMatchObject({ state: 'filtered', reason: 'timeout' });
    }
  });
});
