import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoveragePath, CoverageReport } from '../../src/merge/types.js';
import type { Report } from '../../src/report/types.js';
import type { RuleSet } from '../../src/rules/types.js';
import { startSshd, type SshdHandle } from '../support/daemons/sshd.js';
import { run, type ProcessHandle, type RunResult } from '../support/process.js';
import { createRoutedLab, type RoutedLab } from '../support/routed-lab.js';
import { covers, resultKey } from '../support/rule-coverage.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';

/**
 * The whole deployment before install, from nothing to one answer, by one command (issue 19,
 * "Done when"): one future PSM server, two client sites and one Linux host in the network
 * elements' network (declared as a BTI7800), each in a zone of its own behind a router that
 * forwards nothing but what the firewall allows. One `ansible-playbook` run, from a controller
 * that reaches the hosts and the router over SSH on a management network (unrouted: the checks
 * never use it, and it never crosses the firewall), puts the repository's build on each vantage,
 * has `psm-netcheck rules` write the firewall change request, loads its nftables rule set on the
 * router (forward policy drop: the router's whole firewall is that file), starts `respond`
 * everywhere, runs `check --via-responder` from every vantage, fetches the reports and merges
 * them. The merged report must say that every matrix path of the inventory is verified, or why it
 * cannot be; and the paths must pass because of the generated rules: without one of them,
 * exactly the paths it alone carried fail.
 *
 * client-b has only IPv4 in the inventory, the others both families: it must not probe its
 * targets' IPv6 addresses, for which `rules` writes no rule (docs/inventory-format.md, "Address
 * families"). Addresses: 198.51.100.0/24 and 2001:db8::/32 only, no default route anywhere.
 */
const why = missing(netns, binary('/usr/bin/ansible-playbook'), binary('/usr/sbin/sshd'), binary('/usr/bin/ssh-keygen'), binary('/usr/sbin/nft'));

const VANTAGES = ['server', 'client-a', 'client-b', 'nestand'] as const;
const PLAYBOOK = resolve('docs/ansible/verify-deployment.yml');
const CLI = resolve('dist/src/cli/main.js');
const TOKEN_ENV = 'PSM_NETCHECK_TOKEN';
/** The rule taken out afterwards: the stand-in's traps to the server, carried by no other rule. */
const REMOVED_ROW = 't3-snmp-traps';

describe.skipIf(why !== undefined)(
  titleWith('the deployment: one playbook writes the firewall from the inventory, loads it on the router, checks from every site, merges', why),
  () => {
    let lab: RoutedLab;
    let dir = '';
    let reports = '';
    let inventory = '';
    let playbook: RunResult;
    let merged: CoverageReport;
    let rules: RuleSet;
    let loaded = '';
    let tables = '';
    const sideReports = new Map<string, Report>();
    let withoutOne: { run: RunResult; report: Report } | undefined;
    const daemons: SshdHandle[] = [];
    const responders: ProcessHandle[] = [];

    beforeAll(async () => {
      lab = await createRoutedLab({ zones: [['server'], ['client-a'], ['client-b'], ['nestand']], management: 'control' });
      dir = lab.tempDir('ansible');
      reports = join(dir, 'reports');

      // The operator's key, authorized for root on every managed host; their host keys known in advance.
      const key = join(dir, 'id_ed25519');
      await lab.execOk('control', 'ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-C', 'psm-netcheck-ansible-test', '-f', key]);
      const rootKey = readFileSync(`${key}.pub`, 'utf8');
      // sshd on the management address only; Ansible copies files over SFTP, as to any Debian host.
      for (const host of [...VANTAGES, 'router']) {
        daemons.push(await startSshd(lab, host, { address: lab.mgmtAddr(host), rootKey, extraConfig: ['Subsystem sftp internal-sftp'] }));
      }
      writeFileSync(join(dir, 'known_hosts'), daemons.map((daemon) => `${daemon.address} ${daemon.hostKeyPublic}`).join('\n') + '\n');

      const archive = join(dir, 'psm-netcheck-build.tar.gz');
      await run('bash', ['docs/ansible/pack-build.sh', archive], { timeoutMs: 300_000 }).then((packed) => {
        if (packed.code !== 0) throw new Error(`pack-build.sh: ${packed.stderr}`);
      });

      inventory = join(dir, 'inventory.yaml');
      writeFileSync(
        inventory,
        [
          'name: two-sites-before-install',
          'defaults: { timeout: 2s, retries: 0 }',
          'hosts:',
          `  - { name: server, role: psm-server, addresses: [${lab.addr('server')}, "${lab.addr('server', 6)}"], services: [ftp, sftp, ntp, radius] }`,
          `  - { name: client-a, role: psm-client, addresses: [${lab.addr('client-a')}, "${lab.addr('client-a', 6)}"] }`,
          `  - { name: client-b, role: psm-client, addresses: [${lab.addr('client-b')}] }`,
          `  - { name: nestand, role: network-element, neType: bti7800, addresses: [${lab.addr('nestand')}, "${lab.addr('nestand', 6)}"] }`,
          'paths:',
          '  - { name: no-telnet-to-ne, from: client-a, to: nestand, transport: tcp, ports: [23], expect: closed }',
          'responder:',
          `  token: { env: ${TOKEN_ENV} }`,
          '',
        ].join('\n'),
      );
      // Every host shares this machine's file system: each gets its own root, as separate machines would.
      const hostLine = (host: string, vars: string): string => `        ${host}: { ansible_host: "${lab.mgmtAddr(host)}", ${vars} }`;
      writeFileSync(
        join(dir, 'hosts.yml'),
        [
          'all:',
          '  vars:',
          '    ansible_user: root',
          `    ansible_ssh_private_key_file: ${key}`,
          `    ansible_ssh_common_args: "-o UserKnownHostsFile=${join(dir, 'known_hosts')} -o StrictHostKeyChecking=yes"`,
          '    ansible_python_interpreter: /usr/bin/python3',
          '  children:',
          '    psm_netcheck:',
          '      vars:',
          '        psm_netcheck_respond: true',
          '      hosts:',
          ...VANTAGES.map((host) => hostLine(host, `psm_netcheck_root: ${join(dir, 'hosts', host)}`)),
          '    psm_netcheck_firewalls:',
          '      hosts:',
          hostLine('router', `psm_netcheck_firewall_file: ${join(dir, 'hosts', 'router', 'rules.nft')}`),
          '',
        ].join('\n'),
      );

      const ansibleDirs = ['home', 'local', 'remote', 'async', 'cp'].map((name) => join(dir, `ansible-${name}`));
      for (const path of ansibleDirs) mkdirSync(path, { recursive: true });
      const [home, local, remote, asyncDir, controlPath] = ansibleDirs as [string, string, string, string, string];
      playbook = await lab.exec(
        'control',
        'ansible-playbook',
        [
          '-i', join(dir, 'hosts.yml'),
          PLAYBOOK,
          '-e', `psm_netcheck_archive=${archive}`,
          '-e', `psm_netcheck_inventory=${inventory}`,
          '-e', `psm_netcheck_reports_dir=${reports}`,
        ],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: home,
            ANSIBLE_LOCAL_TEMP: local,
            ANSIBLE_REMOTE_TEMP: remote,
            ANSIBLE_ASYNC_DIR: asyncDir,
            ANSIBLE_SSH_CONTROL_PATH_DIR: controlPath,
            ANSIBLE_NOCOLOR: '1',
            ANSIBLE_FORKS: '5',
            // One SSH session per module instead of a copy and a run: the play is mostly small tasks.
            ANSIBLE_PIPELINING: 'True',
          },
          cwd: dir,
          timeoutMs: 900_000,
        },
      );
      if (process.env.NETCHECK_KEEP_LAB === '1') writeFileSync(join('/tmp', `${lab.prefix}playbook.log`), `${playbook.stdout}\n${playbook.stderr}`);
      if (existsSync(join(reports, 'merged.json'))) merged = JSON.parse(readFileSync(join(reports, 'merged.json'), 'utf8')) as CoverageReport;
      if (existsSync(join(reports, 'rules.json'))) rules = JSON.parse(readFileSync(join(reports, 'rules.json'), 'utf8')) as RuleSet;
      for (const host of VANTAGES) {
        const file = join(reports, `${host}.json`);
        if (existsSync(file)) sideReports.set(host, JSON.parse(readFileSync(file, 'utf8')) as Report);
      }
      loaded = (await lab.execOk('router', 'nft', ['list', 'ruleset'])).stdout;
      tables = (await lab.execOk('router', 'nft', ['list', 'tables'])).stdout;

      // The proof that the rules did it: the router's rule set less the rules of one entry, and a
      // check from that entry's only source, through a responder on its only destination.
      if (playbook.code !== 0 || rules === undefined) return;
      const nftText = readFileSync(join(reports, 'rules.nft'), 'utf8');
      const removed = nftText
        .split('\n')
        .filter((line) => !line.includes(`comment "${REMOVED_ROW}"`))
        .join('\n');
      await lab.execOk('router', 'nft', ['-f', '-'], { input: removed });
      const env = { ...process.env, [TOKEN_ENV]: 'removed-rule-check-token', NO_COLOR: '1' };
      const responder = lab.spawn('server', process.execPath, [CLI, 'respond', '-i', inventory, '--from', 'server', '--for', '5m'], { env });
      responders.push(responder);
      await responder.waitForOutput(/^ready: /m, 30_000);
      const check = await lab.exec('nestand', process.execPath, [CLI, 'check', '-i', inventory, '--from', 'nestand', '--via-responder', 'server', '-f', 'json', '--no-progress'], {
        env,
        timeoutMs: 120_000,
      });
      await responder.stop();
      if (check.stdout === '') throw new Error(`check from nestand wrote no report (exit ${check.code}): ${check.stderr}`);
      withoutOne = { run: check, report: JSON.parse(check.stdout) as Report };
    }, 1_200_000);

    afterAll(async () => {
      await Promise.all(responders.map((r) => r.stop()));
      for (const daemon of daemons) await daemon.stop();
      await lab?.destroy();
    });

    const path = (id: string): CoveragePath => {
      const found = merged.paths.find((p) => p.id === id);
      if (found === undefined) throw new Error(`no path ${id} in the merged report`);
      return found;
    };

    it('one ansible-playbook run goes from nothing to the change request and a merged report', () => {
      expect(playbook.code, `${playbook.stdout}\n${playbook.stderr}`).toBe(0);
      // Each host got its own copy where the inventory said, as on separate machines.
      for (const host of VANTAGES) expect(existsSync(join(dir, 'hosts', host, 'current', 'psm-netcheck')), host).toBe(true);
      expect(playbook.stdout).toContain('every matrix path is verified or cannot be');
      expect(playbook.stdout).toMatch(/failed=0/);
      const files = [...VANTAGES.map((host) => `${host}.json`), 'merged.json', 'merged.html', 'merged.txt'];
      for (const file of [...files, 'rules.md', 'rules.csv', 'rules.json', 'rules.nft', 'rules.v4', 'rules.v6']) {
        expect(existsSync(join(reports, file)), file).toBe(true);
      }
      expect(merged.inputs.map((input) => input.vantage).sort()).toEqual(['client-a', 'client-b', 'nestand', 'server']);
      expect(merged.inputs.every((input) => input.complete)).toBe(true);
    });

    it('the router\'s firewall is exactly the rule set `rules` generated: policy drop, one rule per entry and family, the row ids as comments', () => {
      expect(tables.trim()).toBe('table inet psm_netcheck');
      expect(existsSync(join(dir, 'hosts', 'router', 'rules.nft'))).toBe(true);
      expect(readFileSync(join(dir, 'hosts', 'router', 'rules.nft'), 'utf8')).toBe(readFileSync(join(reports, 'rules.nft'), 'utf8'));
      expect(loaded).toContain('policy drop;');
      for (const entry of rules.entries) expect(loaded, entry.row).toContain(`comment "${entry.row}"`);
      expect(rules.entries.filter((entry) => entry.action === 'deny').map((entry) => entry.row)).toEqual(['path:no-telnet-to-ne']);
      expect(rules.summary.paths).toBe(merged.summary.total);
    });

    it('every matrix path of the inventory is verified, or listed with the reason it cannot be', () => {
      expect(merged.paths.length).toBeGreaterThan(0);
      for (const entry of merged.paths) {
        if (entry.status === 'cannot-verify') expect(entry.next?.why, entry.id).toMatch(/\w/);
        else expect(entry.status, `${entry.id}: ${JSON.stringify(entry.observations)}`).toBe('pass');
        expect(entry.missing, entry.id).toEqual([]);
      }
      expect(merged.summary).toMatchObject({ conflict: 0, fail: 0, 'not-covered': 0, partial: 0, warn: 0 });
      expect(merged.unmatched).toEqual([]);
      expect(readFileSync(join(reports, 'merged.txt'), 'utf8')).toMatch(/matrix paths for this inventory: every path is verified/);
    });

    it('each side verified its paths across the router, through the responder on the other, ICMP directly, the closed one closed', () => {
      expect(path('t1-rest/client-a/server').observations).toEqual([expect.objectContaining({ vantage: 'client-a', method: 'responder', verdict: 'pass' })]);
      expect(path('t1-rest-notification/server/client-b')).toMatchObject({ status: 'pass', observations: [expect.objectContaining({ method: 'responder' })] });
      expect(path('t3-snmp-traps/nestand/server')).toMatchObject({ status: 'pass', observations: [expect.objectContaining({ vantage: 'nestand', method: 'responder' })] });
      expect(path('t4-tl1-bti7800/client-b/nestand').status).toBe('pass');
      expect(path('t3-icmp/server/nestand')).toMatchObject({ status: 'pass', observations: [expect.objectContaining({ method: 'direct' })] });
      // sshd listens on the management network only: the responder answers for SSH on the server.
      expect(path('t1-ssh/client-a/server')).toMatchObject({ status: 'pass', observations: [expect.objectContaining({ method: 'responder' })] });
      const closed = path('path:no-telnet-to-ne/client-a/nestand');
      expect(closed.status).toBe('pass');
      expect(closed.observations[0]?.results.map((r) => r.state)).toEqual(['filtered', 'filtered']);
      // The FTP data port cannot be probed: said beside the verified control port.
      expect(path('t3-ftp/nestand/server')).toMatchObject({ untestable: [{ ports: '20' }] });
    });

    it('a vantage with only IPv4 in the inventory probes only IPv4, and the others both families', () => {
      const addresses = (host: string): string[] => [...new Set(sideReports.get(host)?.results.map((r) => r.address) ?? [])];
      expect(addresses('client-b').length).toBeGreaterThan(0);
      expect(addresses('client-b').filter((address) => address.includes(':'))).toEqual([]);
      expect(addresses('client-a')).toContain(lab.addr('server', 6));
      expect(path('t1-rest/client-b/server').observations[0]?.results.map((r) => r.point)).toEqual([`${lab.addr('server')} tcp/9998`]);
    });

    it(`the paths pass because of the generated rules: without the rules of ${REMOVED_ROW}, exactly the paths that entry alone carried fail`, () => {
      const entry = rules.entries.find((e) => e.row === REMOVED_ROW);
      if (entry === undefined || withoutOne === undefined) throw new Error(`no entry for ${REMOVED_ROW}, or no check without it`);
      expect(entry.sources.map((s) => s.host)).toEqual(['nestand']);
      const others = rules.entries.filter((e) => e !== entry && e.action === 'allow');
      const results = withoutOne.report.results;
      const expected = results.filter((r) => covers(entry, 'nestand', r) && !others.some((other) => covers(other, 'nestand', r))).map((r) => resultKey(r)).sort();
      expect(expected.length).toBeGreaterThan(0);
      expect(results.filter((r) => r.verdict !== 'pass' && r.verdict !== 'warn').map((r) => resultKey(r)).sort()).toEqual(expected);
      // Dropped by the router: silence (a UDP probe cannot tell it from an open port that does not answer).
      for (const result of results.filter((r) => r.verdict === 'fail')) expect(result.state, resultKey(result)).toMatch(/^(filtered|open\|filtered)$/);
      expect(withoutOne.run.code).toBe(1);
    });

    it('the responders stopped when the play ended', async () => {
      for (const host of VANTAGES) {
        const pids = (await run('ip', ['netns', 'pids', lab.ns(host)])).stdout.split('\n').filter((pid) => /^\d+$/.test(pid));
        const commands = pids.map((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
          } catch {
            return '';
          }
        });
        expect(commands.filter((command) => command.includes(' respond ')), host).toEqual([]);
      }
    });
  },
);
