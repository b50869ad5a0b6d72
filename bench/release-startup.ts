import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadAverage, median, runChild, CLI } from './measure.js';

/**
 * `npm run bench:startup -- --release DIR`: start-up of the release (its launcher, its runtime,
 * the esbuild bundle) against `dist/` (node resolving the tsc output and node_modules), in
 * alternation so that both see the same load:
 * - `--version`, spawn to exit;
 * - time to first probe: `check` of an inventory with one TCP path to a listener of this
 *   process on 127.0.0.1, from spawn until the listener accepts the probe's connection (the
 *   CLI's loading, the inventory, the plan, the runner's start; the probe itself is on loopback).
 * Wall times follow the machine's load; CPU times (user + system, of the process until then)
 * much less: both are printed. Prints a Markdown table; docs/benchmarks.md keeps the figures.
 * Asserts nothing.
 */

const { values } = parseArgs({
  options: {
    release: { type: 'string' },
    runs: { type: 'string', default: '20' },
  },
});
const release = values.release;
if (release === undefined || !existsSync(path.join(release, 'psm-netcheck'))) {
  throw new Error('--release DIR: the unpacked release directory (npm run release, then tar -xzf)');
}
const runs = Number(values.runs);
if (!(Number.isInteger(runs) && runs >= 1 && runs <= 200)) throw new Error('--runs 1-200');

interface Variant {
  readonly name: string;
  readonly argv: (args: readonly string[]) => [string, string[]];
}

const variants: Variant[] = [
  { name: 'dist/ (node dist/src/cli/main.js)', argv: (args) => [process.execPath, [CLI, ...args]] },
  { name: 'release (psm-netcheck launcher)', argv: (args) => [path.join(release, 'psm-netcheck'), [...args]] },
  { name: 'release (bin/node lib/psm-netcheck.mjs)', argv: (args) => [path.join(release, 'bin/node'), [path.join(release, 'lib/psm-netcheck.mjs'), ...args]] },
];

const work = mkdtempSync(path.join(tmpdir(), 'psm-netcheck-startup-'));
const listener = net.createServer((socket) => socket.destroy());
await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
const port = (listener.address() as net.AddressInfo).port;
const inventory = path.join(work, 'inventory.yaml');
writeFileSync(
  inventory,
  [
    'name: startup-bench',
    'hosts:',
    '  - { name: psm1, role: psm-server, addresses: [127.0.0.1] }',
    '  - { name: target, role: noc, addresses: [127.0.0.1] }',
    'paths:',
    `  - { name: first-probe, from: psm1, to: target, transport: tcp, ports: [${port}], expect: open, probe: tcp }`,
    '',
  ].join('\n'),
);

let accepted: (() => void) | undefined;
listener.on('connection', () => accepted?.());

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** utime + stime of a live process, ms (clock ticks of 10 ms: USER_HZ is 100 on Linux). */
function cpuSoFar(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Spawn to the listener's accept, and the child's CPU by then; the child then runs to its end (bounded). */
async function firstProbe(variant: Variant): Promise<Sample> {
  const [command, args] = variant.argv(['check', '-i', inventory, '--from', 'psm1', '--only', 'tcp', '--format', 'none', '--retries', '0']);
  const started = performance.now();
  const child = spawn(command, args, { stdio: 'ignore' });
  const connected = new Promise<Sample>((resolve) => {
    accepted = () => resolve({ wallMs: performance.now() - started, cpuMs: cpuSoFar(child.pid ?? 0) });
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = new Promise<undefined>((resolve) => child.once('close', () => resolve(undefined)));
  const sample = await Promise.race([connected, exited]);
  await exited;
  clearTimeout(timer);
  accepted = undefined;
  if (sample === undefined) throw new Error(`${variant.name}: the check ended without probing`);
  return sample;
}

/** Spawn to exit, and the CPU of the whole run from /usr/bin/time. */
async function version(variant: Variant): Promise<Sample> {
  const [command, args] = variant.argv(['--version']);
  const result = await runChild(['/usr/bin/time', ['-f', 'cpu %U %S', command, ...args]], 30_000);
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr);
  if (result.code !== 0 || cpu === null) throw new Error(`${variant.name} --version failed: ${result.stderr}`);
  return { wallMs: result.wallMs, cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 };
}

/** The floor: node starting and exiting with nothing to load (`node -e 0`). */
const floor: Variant = { name: 'floor: `node -e 0` (no psm-netcheck at all)', argv: () => [process.execPath, ['-e', '0']] };
const floorSamples: Sample[] = [];

const samples = new Map<string, { version: Sample[]; probe: Sample[] }>(variants.map((v) => [v.name, { version: [], probe: [] }]));
const loadBefore = loadAverage();
// One warm-up round (page cache), then `runs` rounds alternating the variants.
for (let round = -1; round < runs; round++) {
  const f = await version(floor);
  if (round >= 0) floorSamples.push(f);
  for (const variant of variants) {
    const v = await version(variant);
    const p = await firstProbe(variant);
    if (round >= 0) {
      samples.get(variant.name)?.version.push(v);
      samples.get(variant.name)?.probe.push(p);
    }
  }
}
listener.close();
rmSync(work, { recursive: true, force: true });

const fmt = (values: readonly number[]): string => `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)})`;
const lines = [
  `Node ${process.version}; ${runs} runs each, alternating; load average before ${loadBefore}, after ${loadAverage()}.`,
  'Milliseconds, median (min-max); CPU = user + system of the process.',
  '',
  '| started from | `--version` wall | `--version` CPU | first probe wall | first probe CPU |',
  '|---|---:|---:|---:|---:|',
  ...variants.map((variant) => {
    const s = samples.get(variant.name) ?? { version: [], probe: [] };
    const cells = [s.version.map((x) => x.wallMs), s.version.map((x) => x.cpuMs), s.probe.map((x) => x.wallMs), s.probe.map((x) => x.cpuMs)].map(fmt);
    return `| ${variant.name} | ${cells.join(' | ')} |`;
  }),
  `| ${floor.name} | ${fmt(floorSamples.map((x) => x.wallMs))} | ${fmt(floorSamples.map((x) => x.cpuMs))} | - | - |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
