import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoveragePath, CoverageReport } from '../../src/merge/types.js';
import { startSshd, type SshdHandle } from '../support/daemons/sshd.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { run, runOk, type RunResult } from '../support/process.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';

/**
 * The whole deployment before install, by the playbook, for real: network namespaces running
 * sshd are the managed hosts (one future PSM server, two client sites, one Linux host in the
 * network elements' network declared as a BTI7800), and Ansible, in a namespace of its own,
 * connects to them over SSH as an operator would. One `ansible-playbook` run puts the repository's
 * build on each (docs/ansible/pack-build.sh), starts `respond` on each, runs `check
 * --via-responder` from each, fetches the reports and merges them. The merged report must cover
 * that topology: every matrix path of its inventory verified, or listed with why it cannot be.
 * Addresses: 198.51.100.0/24 only, no default route anywhere.
 */
const why = missing(netns, binary('/usr/bin/ansible-playbook'), binary('/usr/sbin/sshd'), binary('/usr/bin/ssh-keygen'));

const MANAGED = ['server', 'client-a', 'client-b', 'nestand'] as const;
const PLAYBOOK = resolve('docs/ansible/verify-deployment.yml');

describe.skipIf(why !== undefined)(titleWith('the deployment playbook: Ansible over SSH to namespaces, respond, check, merge', why), () => {
  let lab: NetnsLab;
  let dir = '';
  let reports = '';
  let playbook: RunResult;
  let merged: CoverageReport;
  const daemons: SshdHandle[] = [];

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['control', ...MANAGED] });
    dir = lab.tempDir('ansible');
    reports = join(dir, 'reports');

    // The operator's key, authorized for root on every managed host; their host keys known in advance.
    const key = join(dir, 'id_ed25519');
    await runOk('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-C', 'psm-netcheck-ansible-test', '-f', key]);
    const rootKey = readFileSync(`${key}.pub`, 'utf8');
    // Ansible copies files over SFTP, as to any Debian host (the lab's sshd has no subsystem by default).
    for (const host of MANAGED) daemons.push(await startSshd(lab, host, { rootKey, extraConfig: ['Subsystem sftp internal-sftp'] }));
    writeFileSync(join(dir, 'known_hosts'), daemons.map((daemon) => `${daemon.address} ${daemon.hostKeyPublic}`).join('\n') + '\n');

    const archive = join(dir, 'psm-netcheck-build.tar.gz');
    await runOk('bash', ['docs/ansible/pack-build.sh', archive], { timeoutMs: 300_000 });

    writeFileSync(
      join(dir, 'inventory.yaml'),
      [
        'name: two-sites-before-install',
        'defaults: { timeout: 2s, retries: 0 }',
        'hosts:',
        `  - { name: server, role: psm-server, addresses: [${lab.addr('server')}], services: [ftp, sftp, ntp, radius] }`,
        `  - { name: client-a, role: psm-client, addresses: [${lab.addr('client-a')}] }`,
        `  - { name: client-b, role: psm-client, addresses: [${lab.addr('client-b')}] }`,
        `  - { name: nestand, role: network-element, neType: bti7800, addresses: [${lab.addr('nestand')}] }`,
        'responder:',
        '  token: { env: PSM_NETCHECK_TOKEN }',
        '',
      ].join('\n'),
    );
    // Every host shares this machine's file system: each gets its own root, as separate machines would.
    const hostLines = MANAGED.map(
      (host) => `        ${host}: { ansible_host: ${lab.addr(host)}, psm_netcheck_root: ${join(dir, 'hosts', host)} }`,
    );
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
        ...hostLines,
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
        '-e', `psm_netcheck_inventory=${join(dir, 'inventory.yaml')}`,
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
          ANSIBLE_FORKS: '4',
          // One SSH session per module instead of a copy and a run: the play is mostly small tasks.
          ANSIBLE_PIPELINING: 'True',
        },
        cwd: dir,
        timeoutMs: 900_000,
      },
    );
    if (process.env.NETCHECK_KEEP_LAB === '1') writeFileSync(join(dir, 'playbook.log'), `${playbook.stdout}\n${playbook.stderr}`);
    if (existsSync(join(reports, 'merged.json'))) merged = JSON.parse(readFileSync(join(reports, 'merged.json'), 'utf8')) as CoverageReport;
  }, 1_200_000);

  afterAll(async () => {
    for (const daemon of daemons) await daemon.stop();
    await lab?.destroy();
  });

  const path = (id: string): CoveragePath => {
    const found = merged.paths.find((p) => p.id === id);
    if (found === undefined) throw new Error(`no path ${id} in the merged report`);
    return found;
  };

  it('one ansible-playbook run goes from nothing to a merged report', () => {
    expect(playbook.code, `${playbook.stdout}\n${playbook.stderr}`).toBe(0);
    // Each host got its own copy where the inventory said, as on separate machines.
    for (const host of MANAGED) expect(existsSync(join(dir, 'hosts', host, 'current', 'psm-netcheck')), host).toBe(true);
    expect(playbook.stdout).toContain('every matrix path is verified or cannot be');
    expect(playbook.stdout).toMatch(/failed=0/);
    for (const file of ['server.json', 'client-a.json', 'client-b.json', 'nestand.json', 'merged.json', 'merged.html', 'merged.txt']) {
      expect(existsSync(join(reports, file)), file).toBe(true);
    }
    expect(merged.inputs.map((input) => input.vantage).sort()).toEqual(['client-a', 'client-b', 'nestand', 'server']);
    expect(merged.inputs.every((input) => input.complete)).toBe(true);
  });

  it('every matrix path of the inventory is verified, or listed with the reason it cannot be', () => {
    expect(merged.paths.length).toBeGreaterThan(0);
    for (const entry of merged.paths) {
      if (entry.status === 'cannot-verify') expect(entry.next?.why, entry.id).toMatch(/\w/);
      else expect(entry.status, `${entry.id}: ${JSON.stringify(entry.observations)}`).toMatch(/^(pass|warn)$/);
      expect(entry.missing, entry.id).toEqual([]);
    }
    expect(merged.summary).toMatchObject({ conflict: 0, fail: 0, 'not-covered': 0, partial: 0 });
    expect(merged.unmatched).toEqual([]);
    expect(readFileSync(join(reports, 'merged.txt'), 'utf8')).toMatch(/matrix paths for this inventory: every path is verified/);
  });

  it('each side verified its paths through the responder on the other, ICMP directly', () => {
    expect(path('t1-rest/client-a/server').observations).toEqual([expect.objectContaining({ vantage: 'client-a', method: 'responder', verdict: 'pass' })]);
    expect(path('t1-rest/client-b/server').observations).toEqual([expect.objectContaining({ vantage: 'client-b', method: 'responder', verdict: 'pass' })]);
    expect(path('t1-rest-notification/server/client-b')).toMatchObject({ status: 'pass', observations: [expect.objectContaining({ method: 'responder' })] });
    expect(path('t3-snmp-traps/nestand/server')).toMatchObject({ status: 'pass', observations: [expect.objectContaining({ vantage: 'nestand', method: 'responder' })] });
    expect(path('t3-netconf-bti7800/server/nestand').observations[0]?.method).toBe('responder');
    expect(path('t4-tl1-bti7800/client-b/nestand').status).toBe('pass');
    expect(path('t3-icmp/server/nestand')).toMatchObject({ status: 'pass', observations: [expect.objectContaining({ method: 'direct' })] });
  });

  it('a port the managed host\'s own sshd holds answers as another service: verified, with a warning', () => {
    const ssh = path('t1-ssh/client-a/server');
    expect(ssh.status).toBe('warn');
    expect(ssh.observations[0]?.results[0]).toMatchObject({ reason: 'other-service', verdict: 'warn' });
    // The FTP data port cannot be probed: said beside the verified control port.
    expect(path('t3-ftp/nestand/server')).toMatchObject({ untestable: [{ ports: '20' }] });
  });

  it('the responders stopped when the play ended', async () => {
    for (const host of MANAGED) {
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
});
