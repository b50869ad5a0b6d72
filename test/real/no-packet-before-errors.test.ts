import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';

/**
 * "No probe is sent from an invalid inventory or a bad flag", checked where nothing can hide: the
 * CLI runs in a namespace whose nftables output chain counts every packet that leaves it (DNS,
 * TCP, UDP, ICMP: anything but loopback). Each bad invocation must exit 2 with its E_ code and
 * leave the counter at 0; a good run afterwards must move it, so the counter is known to count.
 */
const why = missing(netns, binary('/usr/sbin/nft'));

describe.skipIf(why !== undefined)(titleWith('nothing leaves the vantage before a usage, output or inventory error', why), () => {
  let lab: NetnsLab;
  let dir = '';
  let inventory = '';

  const packetsSent = async (): Promise<number> => {
    const listing = await lab.execOk('prober', 'nft', ['list', 'table', 'inet', 'netcheck_lab']);
    return Number(/counter packets (\d+)/.exec(listing.stdout)?.[1] ?? Number.NaN);
  };

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['prober', 'srv'] });
    // TCP, UDP and ICMPv4: what a probe sends. The kernel's own IPv6 neighbour discovery and MLD
    // (ICMPv6) come and go on their own and are not counted.
    await lab.firewall('prober', { output: ['oifname != "lo" meta l4proto { tcp, udp, icmp } counter'] });
    dir = lab.tempDir('no-packet');
    inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      [
        'hosts:',
        `  - { name: prober, role: psm-client, addresses: [${lab.addr('prober')}] }`,
        `  - { name: srv, role: psm-server, addresses: [${lab.addr('srv')}] }`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'broken.yaml'), `hosts:\n  - { name: prober, role: psm-client, addresses: [${lab.addr('prober')}], colour: red }\n`);
    writeFileSync(join(dir, 'not-a-report.json'), '{"results": [null]}');
    mkdirSync(join(dir, 'a-directory'));
    execFileSync('mkfifo', [join(dir, 'previous.fifo')]);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('exits 2 with the right code, and the counter stays at 0', async () => {
    const check = ['check', '-i', inventory, '--from', 'prober', '--timeout', '1s'];
    const cases: [args: string[], code: string][] = [
      [[...check, '--colour'], 'E_USAGE'],
      [[...check, '--retries', ''], 'E_USAGE'],
      [[...check, '--timeout', '3000000000'], 'E_USAGE'],
      [[...check, '-f', 'xml'], 'E_USAGE'],
      [[...check, '-o', join(dir, 'missing', 'report.json')], 'E_OUTPUT'],
      [[...check, '-o', `json=${join(dir, 'a-directory')}`], 'E_OUTPUT'],
      [[...check, '-f', 'nagios', '--timeout'], 'E_USAGE'],
      [[...check, '--concurrency', ' '], 'E_USAGE'],
      [[...check, '--compare', join(dir, 'not-a-report.json')], 'E_PREVIOUS_REPORT'],
      [[...check, '--compare', '/dev/zero'], 'E_PREVIOUS_REPORT'],
      [[...check, '--compare', join(dir, 'previous.fifo')], 'E_PREVIOUS_REPORT'],
      [[...check, '--lock', join(dir, 'a-directory')], 'E_USAGE'],
      [['check', '-i', join(dir, 'broken.yaml'), '--from', 'prober'], 'E_INVENTORY'],
      [['serve', '-i', inventory, '--from', 'prober', '--interval', '35d'], 'E_USAGE'],
      [['preflight', '-i', inventory, '--from', 'prober', '-o', join(dir, 'missing', 'x.json')], 'E_OUTPUT'],
    ];
    for (const [args, code] of cases) {
      const run = await lab.runNode('prober', 'dist/src/cli/main.js', args);
      expect(run.code, `${args.join(' ')}\n${run.stderr}`).toBe(2);
      expect(run.stderr, args.join(' ')).toContain(code);
      expect(await packetsSent(), args.join(' ')).toBe(0);
    }
    // The same check without the mistake sends its probes: the counter counts.
    await lab.runNode('prober', 'dist/src/cli/main.js', [...check, '--only', 'tcp', '-f', 'none']);
    expect(await packetsSent()).toBeGreaterThan(0);
  });
});
