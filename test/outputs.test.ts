import { execFileSync, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './support/cli.js';
import { recordingListener } from './support/hostile-peers.js';
import { missing, root, titleWith } from './support/skip.js';

/**
 * `-o` targets that are not plain files, and outputs that cannot be written, through the real CLI:
 * a report never replaces a device node, a FIFO or a symlink, and an output that cannot be
 * written stops the run before its first packet (exit 2, E_OUTPUT).
 */

describe('report outputs', () => {
  let dir = '';
  let listener: Awaited<ReturnType<typeof recordingListener>>;
  let inventory = '';
  const check = (...extra: string[]): string[] => ['check', '-i', inventory, '--from', 'client', '--only', 'tcp', '-f', 'none', ...extra];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-outputs-'));
    listener = await recordingListener();
    inventory = join(dir, 'inventory.yaml');
    await writeFile(
      inventory,
      `hosts:
  - { name: client, role: psm-client, addresses: [127.0.0.1] }
  - { name: server, role: psm-server, addresses: [127.0.0.1], ports: { jmx: ${listener.port} } }
`,
    );
  });
  afterAll(async () => {
    await listener.close();
  });

  it('refuses an output that cannot be written, before any probe: exit 2, E_OUTPUT', async () => {
    await mkdir(join(dir, 'a-directory'));
    await symlink(join(dir, 'nowhere', 'x.json'), join(dir, 'dangling.json'));
    const before = listener.total();
    for (const [output, why] of [
      [join(dir, 'missing', 'report.json'), 'does not exist'],
      [`json=${join(dir, 'a-directory')}`, 'is a directory'],
      [join(dir, 'dangling.json'), 'symlink to nothing'],
    ] as const) {
      const run = await runCli(check('-o', output));
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('E_OUTPUT');
      expect(run.stderr).toContain(why);
    }
    expect(listener.total()).toBe(before);
  });

  it('writes through a symlink to /dev/stdout (the link stays, the report reaches stdout)', async () => {
    const link = join(dir, 'stdout.json');
    await symlink('/dev/stdout', link);
    const run = await runCli(check('-o', link));
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ complete: true });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('/dev/stdout');
  });

  it('follows a symlink to a regular file: the file is replaced, the link stays', async () => {
    const real = join(dir, 'real-report.json');
    const link = join(dir, 'report-link.json');
    await writeFile(real, 'old');
    await symlink(real, link);
    const run = await runCli(check('-o', link));
    expect(run.code, run.stderr).toBe(0);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(real, 'utf8'))).toMatchObject({ complete: true });
  });

  it('writes into a FIFO, which stays a FIFO', async () => {
    const fifo = join(dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    const received = new Promise<string>((resolve, reject) => {
      let text = '';
      createReadStream(fifo, 'utf8')
        .on('data', (chunk) => (text += String(chunk)))
        .on('end', () => resolve(text))
        .on('error', reject);
    });
    const run = await runCli(check('-o', `json=${fifo}`));
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(await received)).toMatchObject({ complete: true });
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  describe.skipIf(missing(root))(titleWith('as root: device nodes and read-only directories', missing(root)), () => {
    it('writes through a character device (a private /dev/null), which stays a device', async () => {
      const devices = join(dir, 'dev');
      await mkdir(devices);
      const nullDevice = join(devices, 'null');
      execFileSync('mknod', [nullDevice, 'c', '1', '3']);
      const run = await runCli(check('-o', `prom=${nullDevice}`));
      expect(run.code, run.stderr).toBe(0);
      expect((await lstat(nullDevice)).isCharacterDevice()).toBe(true);
    });

    it('refuses a read-only directory before any probe (root may write anywhere else)', async () => {
      const readOnly = join(dir, 'read-only');
      await mkdir(readOnly);
      const before = listener.total();
      // A read-only tmpfs in a mount namespace of the command's own: access(2) says yes to root there.
      const script = 'dir=$1; shift; mount -t tmpfs -o ro none "$dir" && exec "$@"';
      const command = [process.execPath, CLI, ...check('-o', join(readOnly, 'report.json'))];
      const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', readOnly, ...command], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, stderr).toBe(2);
      expect(stderr).toContain('E_OUTPUT');
      expect(stderr).toContain('EROFS');
      expect(listener.total()).toBe(before);
    });
  });
});
