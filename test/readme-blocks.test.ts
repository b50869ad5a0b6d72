import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/types.js';
import { CLI } from './support/cli.js';
import { run } from './support/process.js';
import { sectionBlock } from './support/readme.js';

/**
 * The README's commands outside Install, run as written by bash, against the simulated PSM
 * network (`psm-netcheck lab`, loopback only). What the test changes, and only that:
 * - `psm-netcheck` on PATH is a two-line shim to this checkout's build;
 * - `inventory.yaml` in the working directory is the lab's inventory, its server renamed `psm1`
 *   and its client `operator-ws` as in the README, and `psm1` given this machine's 127.0.0.1 so
 *   that a command without `--from` finds it, as on a real PSM server;
 * - the crontab line's absolute paths (/etc, /run, /var/lib) point into the working directory.
 * The lab plants faults, so a check exits 1: a block passes when every command exits 0 or 1.
 */

let work = '';
let lab: ChildProcess | undefined;
let env: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'psm-netcheck-readme-'));
  const labDir = path.join(work, 'lab');
  lab = spawn(process.execPath, [CLI, 'lab', '--dir', labDir, '--for', '4m'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the lab did not start:\n${out}`)), 60_000);
    lab?.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Check it:')) {
        clearTimeout(timer);
        resolve();
      }
    });
    lab?.on('exit', (code) => reject(new Error(`the lab exited ${code}:\n${out}`)));
  });
  cpSync(path.join(labDir, 'secrets'), path.join(work, 'secrets'), { recursive: true });
  const inventory = readFileSync(path.join(labDir, 'inventory.yaml'), 'utf8')
    .replace(/\bpsm-server-1\b/g, 'psm1')
    .replace(/\bpsm-client-1\b/g, 'operator-ws')
    .replace(/(- name: psm1\n(?: {4}.*\n)*? {4}addresses:\n)/, '$1      - 127.0.0.1\n');
  expect(inventory).toMatch(/- name: psm1\n {4}role: psm-server\n {4}addresses:\n {6}- 127\.0\.0\.1\n/);
  writeFileSync(path.join(work, 'inventory.yaml'), inventory);
  const bin = path.join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'psm-netcheck'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(path.join(bin, 'psm-netcheck'), 0o755);
  env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1' };
}, 90_000);

afterAll(() => {
  lab?.kill('SIGINT');
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

/** Runs a block line by line in bash: each command must exit 0 or 1 (1: the lab's planted faults). */
async function runBlock(script: string): Promise<string> {
  const checked = `set -u\n${script
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `${line}\ncode=$?; [ "$code" -le 1 ] || { echo "exit $code: ${line.replace(/["$`\\]/g, '\\$&')}" >&2; exit 99; }`)
    .join('\n')}\n`;
  const result = await run('bash', ['-c', checked], { cwd: work, env, timeoutMs: 150_000 });
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

const readReport = (file: string): Report => JSON.parse(readFileSync(path.join(work, file), 'utf8')) as Report;

describe('the README, as written', () => {
  it('Your first inventory: plan, then check with a JSON and an HTML report', async () => {
    const block = sectionBlock('Your first inventory', /check -i inventory\.yaml/);
    const out = await runBlock(block.script);
    expect(out).toContain('Plan from psm1');
    const report = readReport('report.json');
    expect(report.vantage).toMatchObject({ name: 'psm1' });
    expect(report.complete).toBe(true);
    expect(report.summary.pass).toBeGreaterThan(20);
    expect(readFileSync(path.join(work, 'report.html'), 'utf8')).toContain('<html');
  }, 180_000);

  it('Your first inventory: the example inventory loads and plans', async () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8'))?.[1] ?? '';
    const file = path.join(work, 'first.yaml');
    writeFileSync(file, yaml);
    // plan sends nothing, so the README's documentation addresses are safe here.
    const result = await run(process.execPath, [CLI, 'plan', '-i', file, '--from', 'psm1'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ne-7800-east[\s\S]*tcp\/2022 netconf/);
  });

  it('Before install: merge the reports of two vantages into one HTML matrix', async () => {
    // The inputs the README's merge names: the server's report (from the block above) and a client's.
    if (!existsSync(path.join(work, 'report.json'))) await runBlock(sectionBlock('Your first inventory', /check -i/).script);
    await runBlock('psm-netcheck check -i inventory.yaml --from operator-ws --format none -o client.json');
    await runBlock(sectionBlock('Before install', /merge -i/).script);
    expect(readFileSync(path.join(work, 'merged.html'), 'utf8')).toContain('<html');
  }, 240_000);

  it('Scheduled runs: the crontab line, twice: the second run is compared with the first', async () => {
    const line = sectionBlock('Scheduled runs', /check -i \/etc\/psm-netcheck/).script.trim();
    // A crontab line: five time fields, then the command.
    const command = line.split(/\s+/).slice(5).join(' ');
    const local = command
      .replaceAll('/etc/psm-netcheck/', `${work}/`)
      .replaceAll('/run/', `${work}/run/`)
      .replaceAll('/var/lib/psm-netcheck/', `${work}/var/`)
      .replaceAll('/var/lib/node_exporter/textfile/', `${work}/textfile/`);
    for (const dir of ['run', 'var', 'textfile']) mkdirSync(path.join(work, dir), { recursive: true });
    expect(await runBlock(local)).toBe('');
    expect(readReport('var/report.json').changes).toBeUndefined();
    await runBlock(local);
    expect(readReport('var/report.json').changes).toBeDefined();
    expect(readFileSync(path.join(work, 'textfile/psm_netcheck.prom'), 'utf8')).toContain('psm_netcheck_probe_success{');
    expect(existsSync(path.join(work, 'run/psm-netcheck.lock'))).toBe(false);
  }, 300_000);
});
