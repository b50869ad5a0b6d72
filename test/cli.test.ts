import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MATRIX } from '../src/matrix/rows.js';
import type { Report } from '../src/report/types.js';
import { runCli, runCliIntoClosedPipe } from './support/cli.js';
import { closedTcpPort, recordingListener, silentTcpPeer, type Peer } from './support/hostile-peers.js';



describe('psm-netcheck check on a loopback inventory', () => {
  let dir = '';
  let listener: Awaited<ReturnType<typeof recordingListener>>;
  let closed = 0;
  let silent: Peer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-cli-'));
    listener = await recordingListener();
    closed = await closedTcpPort();
    silent = await silentTcpPeer();
    await writeFile(
      join(dir, 'loopback.yaml'),
      `
hosts:
  - { name: client, role: psm-client, addresses: [127.0.0.1] }
  - name: server
    role: psm-server
    addresses: [127.0.0.1]
    ports: { jmx: ${listener.port}, ssh: ${closed} }
paths:
  - { name: must-be-closed, from: client, to: server, transport: tcp, ports: [${closed}], expect: closed }
  - { name: hung-ftp, from: client, to: server, transport: tcp, ports: [${silent.port}], probe: ftp }
`,
    );
    await writeFile(
      join(dir, 'broken.yaml'),
      `
hosts:
  - { name: client, role: psm-client, addresses: [127.0.0.1] }
  - name: server
    role: psm-server
    addresses: [127.0.0.1, 300.1.2.3]
    ports: { jmx: ${listener.port} }
    colour: blue
`,
    );
  });
  afterAll(async () => {
    await listener.close();
    await silent.close();
  });

  it('reports each path with its state and reason, and exits 1 when a path fails', async () => {
    const reportPath = join(dir, 'report.json');
    const run = await runCli([
      'check', '-i', join(dir, 'loopback.yaml'), '--from', 'client', '--only', 'tcp', 'ssh',
      '--timeout', '1s', '--format', 'none', '--output', reportPath,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as Report;
    expect(report.complete).toBe(true);
    expect(report.vantage).toEqual({ name: 'client', roles: ['psm-client'] });
    const byRow = (row: string) => report.results.find((r) => r.rows.includes(row));
    expect(byRow('t1-jmx')).toMatchObject({ state: 'open', reason: 'connected', verdict: 'pass', port: listener.port, attempts: 1 });
    expect(byRow('t1-ssh')).toMatchObject({ state: 'closed', reason: 'refused', verdict: 'fail', port: closed });
    expect(byRow('path:must-be-closed')).toMatchObject({ state: 'closed', expected: 'closed', verdict: 'pass' });
    expect(byRow('t1-jmx')?.timings.connect).toBeGreaterThanOrEqual(0);
    expect(report.summary.fail).toBe(1);
    expect(report.notTestable.some((n) => n.row === 't1-rest-notification')).toBe(true);
    expect(listener.total()).toBe(1);
  });

  it('writes a report that validates against the published JSON Schema', async () => {
    const reportPath = join(dir, 'schema-check.json');
    // --max-rate rides along: accepted end to end, it changes no result.
    await runCli(['check', '-i', join(dir, 'loopback.yaml'), '--from', 'client', '--only', 'tcp', '--max-rate', '500', '--format', 'none', '-o', reportPath]);
    const schema = JSON.parse(await readFile(new URL('../schemas/report.schema.json', import.meta.url), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as unknown;
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it('prints the human table on stdout and retries only what timed out', async () => {
    const run = await runCli([
      'check', '-i', join(dir, 'loopback.yaml'), '--from', 'client', '--only', 'ftp', '--timeout', '300ms', '--retries', '2', '--format', 'json',
    ]);
    const report = JSON.parse(run.stdout) as Report;
    const hung = report.results.find((r) => r.rows.includes('path:hung-ftp'));
    expect(hung).toMatchObject({ state: 'open', reason: 'no-banner', attempts: 3, verdict: 'fail' });
  });

  it('stops cleanly on SIGTERM: what finished is reported, marked incomplete, exit 4', async () => {
    let signalled = false;
    const run = await runCli(
      ['check', '-i', join(dir, 'loopback.yaml'), '--from', 'client', '--only', 'tcp', 'ftp', '--timeout', '30s', '--format', 'json', '--log-level', 'debug'],
      {
        // Once every probe but the hung FTP one has finished, stop the run as a service manager
        // would. Counted from the logs, not timed: on a loaded machine the quick probes can take
        // longer than any fixed pause.
        onStderr: (text, pid) => {
          const probes = /"probes":(\d+)[^\n]*"msg":"check started"/.exec(text)?.[1];
          const finished = text.split('"msg":"probe finished"').length - 1;
          if (probes !== undefined && finished >= Number(probes) - 1 && !signalled) {
            signalled = true;
            process.kill(pid, 'SIGTERM');
          }
        },
      },
    );
    expect(run.code).toBe(4);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.complete).toBe(false);
    expect(report.results.some((r) => r.rows.includes('t1-jmx'))).toBe(true);
    expect(report.results.some((r) => r.rows.includes('path:hung-ftp'))).toBe(false);
  });

  it('ends quietly when the reader closes stdout early (check -f json | head): the exit code of the run, no trace', async () => {
    for (const format of ['json', 'human', 'prom']) {
      const args = ['check', '-i', join(dir, 'loopback.yaml'), '--from', 'client', '--only', 'tcp', '-f', format];
      const whole = await runCli(args);
      const cut = await runCliIntoClosedPipe(args, { closeAt: 'start' });
      expect(cut.stderr, format).toBe('');
      expect(cut.code, format).toBe(whole.code);
    }
  });

  it('rejects a broken inventory with file:line:column errors and sends no probe', async () => {
    const before = listener.total();
    const file = join(dir, 'broken.yaml');
    const run = await runCli(['check', '-i', file, '--from', 'client']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('E_INVENTORY');
    expect(run.stderr).toMatch(new RegExp(`${file}:6:28: hosts\\[1\\]\\.addresses\\[1\\]: `));
    expect(run.stderr).toMatch(new RegExp(`${file}:8:5: hosts\\[1\\]\\.colour: `));
    expect(listener.total()).toBe(before);
  });

  it('rejects a bad CSV host list at file.csv:line:column and sends no probe', async () => {
    const before = listener.total();
    await writeFile(join(dir, 'elements.csv'), `name,addresses\nne-1,127.0.0.1\nne-2,300.1.2.3\n`);
    await writeFile(
      join(dir, 'csv.yaml'),
      `hosts:\n  - { name: client, role: psm-client, addresses: [127.0.0.1], ports: { jmx: ${listener.port} } }\n` +
        'hostsFrom:\n  - { file: elements.csv, defaults: { role: network-element, neType: bti700 } }\n',
    );
    const run = await runCli(['check', '-i', join(dir, 'csv.yaml'), '--from', 'client']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${join(dir, 'elements.csv')}:3:6: addresses[0]: expected an IPv4/IPv6 address or DNS name`);
    expect(listener.total()).toBe(before);
  });

  it('refuses an inventory that is not a bounded regular file, at once, exit 2, no probe', async () => {
    const before = listener.total();
    const fifo = join(dir, 'inventory.fifo');
    execFileSync('mkfifo', [fifo]);
    const huge = join(dir, 'huge.yaml');
    await writeFile(huge, '');
    await truncate(huge, 17 * 2 ** 20);
    for (const [file, why] of [
      ['/dev/zero', 'is not a regular file (a character device)'],
      [fifo, 'is not a regular file (a FIFO)'],
      [huge, 'is larger than 16 MiB, the limit'],
    ] as const) {
      // A hang (the old reading of a FIFO) fails by the test's own timeout; no timing asserted here.
      const run = await runCli(['check', '-i', file, '--from', 'client']);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`E_INVENTORY: ${file}: the inventory ${file} ${why}`);
    }
    expect(listener.total()).toBe(before);
  });

  it('rejects bad flags before any probe, with exit 2', async () => {
    const before = listener.total();
    const badFlags = [
      ['--timeout', 'soon'],
      ['--retries', '-1'],
      ['--max-rate', 'fast'],
      ['--only', 'smtp'],
      ['--output', 'report.pdf'],
      // Blank numbers are no numbers (Number('') is 0); durations past Node's timer range overflow.
      ['--retries', ''],
      ['--concurrency', ' '],
      ['--max-rate', ''],
      ['--per-host', '1e3'],
      ['--retries', '11'],
      ['--timeout', '3000000000'],
      ['--timeout', '1h'],
    ];
    for (const flags of badFlags) {
      const run = await runCli(['check', '-i', join(dir, 'loopback.yaml'), '--from', 'client', ...flags]);
      expect(run.code, flags.join(' ')).toBe(2);
      expect(run.stderr).toContain('E_USAGE');
    }
    // Parser errors too: one E_USAGE line with a hint, exit 2 (also under -f nagios, where 1 would read WARNING).
    const inventory = join(dir, 'loopback.yaml');
    for (const args of [
      ['chek', '-i', inventory],
      ['check', '-i', inventory, '--from', 'client', '--colour'],
      ['check', '--from', 'client'],
      ['check', '-i', inventory, '-f', 'nagios', '--timeout'],
      ['check', '-i', inventory, '-f', 'xml'],
      ['check', '-i', inventory, '-f', 'nagios', '--log-level', 'loud'],
    ]) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(run.stderr).toMatch(/^psm-netcheck: E_USAGE: .* \(see psm-netcheck( check)? --help\)\n$/);
    }
    const unknown = await runCli(['check', '-i', join(dir, 'loopback.yaml'), '--from', 'nobody']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('E_VANTAGE_UNKNOWN');
    expect(listener.total()).toBe(before);
  });
});

describe('psm-netcheck commands that send nothing', () => {
  it('ends quietly when the reader closes stdout early (| head)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-pipe-'));
    const hosts = Array.from({ length: 300 }, (_, i) => `  - { name: ne${i}, role: network-element, neType: bti7800, addresses: [198.51.100.${(i % 250) + 1}] }`);
    await writeFile(join(dir, 'big.yaml'), `hosts:\n  - { name: server, role: psm-server, addresses: [127.0.0.1] }\n${hosts.join('\n')}\n`);
    for (const args of [['schema', 'inventory'], ['matrix', '--json'], ['probes', '--json'], ['plan', '-i', join(dir, 'big.yaml'), '--from', 'server', '--json']]) {
      const run = await runCliIntoClosedPipe(args);
      expect(run.stderr, args.join(' ')).toBe('');
      expect(run.code, args.join(' ')).toBe(0);
    }
  });

  it('every command refuses what its parser cannot take: exit 2, one E_USAGE line with a hint, no help page', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-usage-'));
    const inventory = 'inventory.example.yaml';
    for (const [args, hint] of [
      [[], 'psm-netcheck --help'],
      [['help', 'chek'], 'psm-netcheck --help'],
      [['schema', 'bogus'], 'psm-netcheck schema --help'],
      [['plan', '-i', inventory, '--from'], 'psm-netcheck plan --help'],
      [['merge', '-i', inventory], 'psm-netcheck merge --help'],
      [['merge', '-i', inventory, '-f', 'xml', 'a.json'], 'psm-netcheck merge --help'],
      [['matrix', '--csv'], 'psm-netcheck matrix --help'],
      [['probes', '--csv'], 'psm-netcheck probes --help'],
      [['serve', '-i', inventory, '--log-level', 'loud'], 'psm-netcheck serve --help'],
      [['preflight', '-i', inventory, '-f', 'nagios'], 'psm-netcheck preflight --help'],
      [['respond', '-i', inventory, '--for'], 'psm-netcheck respond --help'],
      [['lab', '--dir', dir, '--colour'], 'psm-netcheck lab --help'],
      [['demo', '--log-format', 'xml'], 'psm-netcheck demo --help'],
    ] as const) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout, args.join(' ')).toBe('');
      expect(run.stderr.split('\n').filter(Boolean), args.join(' ')).toHaveLength(1);
      expect(run.stderr, args.join(' ')).toMatch(/^psm-netcheck: E_USAGE: .+\n$/);
      expect(run.stderr, args.join(' ')).toContain(`(see ${hint})`);
    }
    // Help that was asked for is no error: on stdout, exit 0.
    for (const args of [['help'], ['help', 'check'], ['--help'], ['check', '--help']]) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout, args.join(' ')).toContain('Usage: psm-netcheck');
      expect(run.stderr, args.join(' ')).toBe('');
    }
  });

  it('the durations and numbers of demo, lab and respond are bounded too: blank, past the maximum or not whole is exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-bounds-'));
    const respond = ['respond', '-i', 'inventory.example.yaml', '--from', 'psm1'];
    const lab = ['lab', '--dir', join(dir, 'lab')];
    for (const args of [
      ['demo', '-o', join(dir, 'demo.json'), '--timeout', ''],
      ['demo', '-o', join(dir, 'demo.json'), '--timeout', '3000000000'],
      [...lab, '--for', ' '],
      [...lab, '--for', '25h'],
      [...lab, '--elements', ''],
      [...lab, '--elements', '1e9'],
      [...lab, '--elements', '2.5'],
      [...respond, '--for', ''],
      [...respond, '--for', '999h'],
      [...respond, '--for', '3000000000'],
    ]) {
      const run = await runCli(args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(/^psm-netcheck: E_USAGE: --(timeout|for|elements) .*(from|to) /);
    }
  });

  it('matrix --json holds every row of the matrix', async () => {
    const run = await runCli(['matrix', '--json']);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as { id: string }[];
    expect(rows.map((r) => r.id)).toEqual(MATRIX.map((r) => r.id));
  });

  it('plan shows the example inventory\'s probes without sending any', async () => {
    const run = await runCli(['plan', '-i', 'inventory.example.yaml', '--from', 'psm1', '--json']);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { probes: unknown[]; notTestable: unknown[] };
    expect(plan.probes.length).toBeGreaterThan(100);
    expect(plan.notTestable.length).toBeGreaterThan(10);
  });

  it('schema prints the inventory and report JSON Schemas', async () => {
    for (const which of ['inventory', 'report']) {
      const run = await runCli(['schema', which]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toHaveProperty('$schema');
    }
  });

  it('--version prints the package version', async () => {
    expect((await runCli(['check', '--help'])).code).toBe(0);
    const run = await runCli(['--version']);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
