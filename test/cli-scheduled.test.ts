import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgress } from '../src/cli/progress.js';
import type { Report } from '../src/report/types.js';
import { CLI, runCli, type CliRun } from './support/cli.js';
import { silentTcpPeer, type Peer } from './support/hostile-peers.js';
import { binary, missing, root, titleWith } from './support/skip.js';

/** A loopback listener that counts connections and can go away and come back on the same port. */
async function toggledListener() {
  let count = 0;
  let server: net.Server | undefined;
  let port = 0;
  const up = async (): Promise<void> => {
    server = net.createServer((socket) => {
      count++;
      socket.on('error', () => undefined);
      socket.end();
    });
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  };
  const down = (): Promise<void> => new Promise((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  await up();
  return { port: () => port, connections: () => count, up, down };
}

describe('scheduled runs: the lock, --compare and the progress display', () => {
  let dir = '';
  let inventory = '';
  let listener: Awaited<ReturnType<typeof toggledListener>>;
  let silent: Peer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-scheduled-'));
    listener = await toggledListener();
    silent = await silentTcpPeer();
    inventory = join(dir, 'loopback.yaml');
    await writeFile(
      inventory,
      `
hosts:
  - { name: client, role: psm-client, addresses: [127.0.0.1] }
  - { name: server, role: psm-server, addresses: [127.0.0.1], ports: { jmx: ${listener.port()} } }
paths:
  - { name: hung-ftp, from: client, to: server, transport: tcp, ports: [${silent.port}], probe: ftp }
`,
    );
  });
  afterAll(async () => {
    await listener.down();
    await silent.close();
  });

  const check = (...flags: string[]): string[] => ['check', '-i', inventory, '--from', 'client', ...flags];

  describe('--lock', () => {
    it('with two concurrent runs, the second says so, exits 5 and probes nothing', async () => {
      const lock = join(dir, 'concurrent.lock');
      let firstPid = 0;
      let started: () => void = () => undefined;
      const firstStarted = new Promise<void>((resolve) => (started = resolve));
      // The first run holds the lock while its FTP probe waits on a peer that never greets.
      const first = runCli(check('--only', 'ftp', '--timeout', '60s', '--retries', '0', '--lock', lock, '--format', 'json', '--log-level', 'info'), {
        onStderr: (text, pid) => {
          firstPid = pid;
          if (text.includes('check started')) started();
        },
      });
      await firstStarted;
      // The holder's PID, its start time and the boot it started in (a reused PID is no holder).
      expect(await readFile(lock, 'utf8')).toMatch(new RegExp(`^${firstPid} \\d+ [0-9a-f-]{36}\\n$`));

      const before = listener.connections();
      const second = await runCli(check('--only', 'tcp', '--lock', lock, '--format', 'json'));
      expect(second.code).toBe(5);
      expect(second.stdout).toBe('');
      expect(second.stderr).toContain('E_LOCKED');
      expect(second.stderr).toContain(`pid ${firstPid}`);
      expect(listener.connections()).toBe(before);

      // Stopped as a service manager would: the interrupted run still releases the lock.
      process.kill(firstPid, 'SIGTERM');
      const firstRun: CliRun = await first;
      expect(firstRun.code).toBe(4);
      expect(existsSync(lock)).toBe(false);

      const third = await runCli(check('--only', 'tcp', '--lock', lock, '--format', 'none'));
      expect(third.code).toBe(0);
      expect(listener.connections()).toBe(before + 1);
      expect(existsSync(lock)).toBe(false);
    });

    it('takes over a lock left by a run that no longer exists', async () => {
      const lock = join(dir, 'stale.lock');
      const gone = spawn(process.execPath, ['-e', '']);
      await new Promise((resolve) => gone.on('close', resolve));
      await writeFile(lock, `${gone.pid}\n`);
      const run = await runCli(check('--only', 'tcp', '--lock', lock, '--format', 'none'));
      expect(run.code).toBe(0);
      expect(existsSync(lock)).toBe(false);
    });

    it('takes over a lock whose PID runs, but is another process (a reused PID)', async () => {
      const lock = join(dir, 'reused.lock');
      // This test process runs, but did not start at tick 1 of this boot.
      const boot = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
      await writeFile(lock, `${process.pid} 1 ${boot}\n`);
      const run = await runCli(check('--only', 'tcp', '--lock', lock, '--format', 'none'));
      expect(run.code, run.stderr).toBe(0);
      expect(existsSync(lock)).toBe(false);
    });

    it('refuses a lock path that is a directory: a configuration error (exit 2), not "another run" (exit 5)', async () => {
      const lockDir = join(dir, 'a-lock-directory');
      await mkdir(lockDir);
      const before = listener.connections();
      const run = await runCli(check('--only', 'tcp', '--lock', lockDir, '--format', 'none'));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('E_USAGE');
      expect(run.stderr).toContain('is a directory');
      expect(listener.connections()).toBe(before);
    });

    it('lets exactly one of several runs take over the same stale lock', async () => {
      const lock = join(dir, 'contended.lock');
      {
        await writeFile(lock, '999999999\n');
        // The run that wins holds the lock while its FTP probe waits on a peer that never greets:
        // long enough for the others to start even on a loaded machine.
        const runs = await Promise.all(
          Array.from({ length: 6 }, () => runCli(check('--only', 'ftp', '--timeout', '8s', '--retries', '0', '--lock', lock, '--format', 'none'))),
        );
        const codes = runs.map((run) => run.code).sort();
        expect(codes, runs.map((run) => run.stderr).join('\n')).toEqual([1, 5, 5, 5, 5, 5]);
        expect(existsSync(lock)).toBe(false);
      }
    });

    const noPidNamespace = missing(root, binary('/usr/bin/unshare'));
    it.skipIf(noPidNamespace)(titleWith('takes over a lock holding its own PID (PID 1 in a restarted container)', noPidNamespace), async () => {
      const lock = join(dir, 'pid1.lock');
      await writeFile(lock, '1\n');
      const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, CLI, ...check('--only', 'tcp', '--lock', lock, '--format', 'none')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, stderr).toBe(0);
      expect(existsSync(lock)).toBe(false);
    });
  });

  describe('--compare', () => {
    it('shows the new failure when a listener goes away, then the recovery when it comes back', async () => {
      const first = join(dir, 'run1.json');
      const second = join(dir, 'run2.json');
      const third = join(dir, 'run3.json');
      expect((await runCli(check('--only', 'tcp', '--format', 'none', '-o', first))).code).toBe(0);
      const jmx = (JSON.parse(await readFile(first, 'utf8')) as Report).results.find((r) => r.rows.includes('t1-jmx'));
      expect(jmx?.verdict).toBe('pass');
      const id = jmx?.id ?? '';

      await listener.down();
      const broken = await runCli(check('--only', 'tcp', '--compare', first, '-o', second));
      expect(broken.code).toBe(1);
      // The heading wraps to the report's width (100 columns off a terminal), the path whole.
      const unwrapped = (text: string): string => text.replace(/\n {2}(?=\S)/g, ' ');
      expect(unwrapped(broken.stdout)).toContain(`Changes since ${first}: 1 new failure, 0 recoveries, 0 added, 0 removed`);
      expect(broken.stdout).toMatch(new RegExp(`new failure +${escapeRegExp(id)}`));
      expect((JSON.parse(await readFile(second, 'utf8')) as Report).changes).toEqual({
        previous: first,
        newFailures: [id],
        recoveries: [],
        added: [],
        removed: [],
      });

      await listener.up();
      const recovered = await runCli(check('--only', 'tcp', '--compare', second, '-o', third));
      expect(recovered.code).toBe(0);
      expect(unwrapped(recovered.stdout)).toContain(`Changes since ${second}: 0 new failures, 1 recovery, 0 added, 0 removed`);
      expect(recovered.stdout).toMatch(new RegExp(`recovery +${escapeRegExp(id)}`));
      expect((JSON.parse(await readFile(third, 'utf8')) as Report).changes).toEqual({
        previous: second,
        newFailures: [],
        recoveries: [id],
        added: [],
        removed: [],
      });
    });

    it('compares nothing on the first run, when the previous report does not exist yet', async () => {
      const report = join(dir, 'first-ever.json');
      const run = await runCli(check('--only', 'tcp', '--compare', report, '--format', 'none', '-o', report));
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('no previous report yet');
      expect(JSON.parse(await readFile(report, 'utf8'))).not.toHaveProperty('changes');
    });

    it('refuses a previous report that is not one, before any probe, exit 2', async () => {
      const valid = JSON.parse(await readFile(join(dir, 'run1.json'), 'utf8')) as Record<string, unknown>;
      const cases: [name: string, content: string, why: string][] = [
        ['not-a-report.json', '{"hello": "world"}', 'not a psm-netcheck report'],
        ['bad-results.json', JSON.stringify({ ...valid, results: [null, 1, 'x'] }), 'results.0'],
        ['future.json', JSON.stringify({ ...valid, schemaVersion: 999 }), 'schemaVersion'],
        ['truncated.json', JSON.stringify(valid).slice(0, 100), 'not JSON'],
      ];
      const fifo = join(dir, 'previous.fifo');
      execFileSync('mkfifo', [fifo]);
      const before = listener.connections();
      for (const [name, content, why] of cases) {
        await writeFile(join(dir, name), content);
        const run = await runCli(check('--only', 'tcp', '--compare', join(dir, name)));
        expect(run.code, name).toBe(2);
        expect(run.stderr, name).toContain('E_PREVIOUS_REPORT');
        expect(run.stderr, name).toContain(why);
      }
      // Neither a device that never ends nor a FIFO without a writer holds the run; nor is a huge
      // file read (a sparse one: it takes no disk).
      const huge = join(dir, 'huge.json');
      execFileSync('truncate', ['-s', '300M', huge]);
      for (const [path, why] of [['/dev/zero', 'not a regular file'], [fifo, 'not a regular file'], [huge, 'more than the 256 MB']] as const) {
        const run = await runCli(check('--only', 'tcp', '--compare', path));
        expect(run.code, path).toBe(2);
        expect(run.stderr, path).toContain(why);
      }
      expect(listener.connections()).toBe(before);
    });
  });

  describe('progress display', () => {
    it('prints nothing when stderr is not a terminal', async () => {
      const run = await runCli(check('--only', 'tcp', '--format', 'none'));
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
    });

    const noScript = missing(binary('/usr/bin/script'));
    it.skipIf(noScript)(titleWith('draws a probe counter on a pseudo-terminal, and clears it at the end', noScript), async () => {
      // util-linux `script` gives the CLI a pseudo-terminal; stdout and stderr both come out here.
      const command = [process.execPath, CLI, ...check('--only', 'tcp', '--format', 'none')].map(shellQuote).join(' ');
      const output = await new Promise<string>((resolve, reject) => {
        execFile('script', ['-qec', command, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' } }, (error, stdout) =>
          error !== null ? reject(error) : resolve(stdout),
        );
      });
      const clearLine = '\r\x1b[2K';
      expect(output.startsWith(`${clearLine}psm-netcheck: `)).toBe(true);
      expect(output).toMatch(/psm-netcheck: \d+\/1 probes/);
      expect(output.endsWith(clearLine)).toBe(true);
    });

    it('createProgress writes only to a TTY stream', () => {
      const written: string[] = [];
      const stream = (isTTY: boolean) => ({ isTTY, write: (text: string) => written.push(text) }) as unknown as NodeJS.WriteStream;
      const quiet = createProgress(stream(false));
      quiet.start(3);
      quiet.tick();
      quiet.stop();
      expect(written).toEqual([]);

      const shown = createProgress(stream(true));
      shown.start(3);
      shown.tick();
      shown.stop();
      expect(written).toEqual(['\r\x1b[2Kpsm-netcheck: 0/3 probes', '\r\x1b[2K']);
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
