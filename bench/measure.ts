import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProbeRunArgs, ProbeRunMetrics } from './probe-run.js';

/** Small helpers shared by the suites: children, timing, statistics, the machine's load. */

export type Wrap = (command: string, args: readonly string[]) => [string, string[]];

/** dist/bench, where the compiled scripts of the children are. */
export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const CLI = path.join(BENCH_DIR, '..', 'src', 'cli', 'main.js');

export interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From spawn to exit, as the benchmark saw it. */
  readonly wallMs: number;
}

/** Runs a child to its end (bounded: killed after `timeoutMs`), stdout kept unless `quiet`. */
export function runChild(argv: [string, string[]], timeoutMs: number, quiet = false): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0], argv[1], { stdio: ['ignore', quiet ? 'ignore' : 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 200_000) stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

export interface ProbeRun {
  readonly metrics: ProbeRunMetrics;
  /** The process's wall time as the benchmark saw it (spawn to exit, `ip netns exec` included). */
  readonly processWallMs: number;
}

/** One in-process check (bench/probe-run.ts) in a child of its own. */
export async function probeRun(wrap: Wrap, args: ProbeRunArgs, nodeFlags: readonly string[] = []): Promise<ProbeRun> {
  const script = path.join(BENCH_DIR, 'probe-run.js');
  // --expose-gc only for the collection after the last phase (keptHeapMb); no phase calls it.
  const result = await runChild(wrap(process.execPath, ['--expose-gc', ...nodeFlags, script, JSON.stringify(args)]), 600_000);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.code !== 0 || !line.startsWith('{')) {
    throw new Error(`probe-run failed (exit ${String(result.code)}):\n${result.stderr.slice(-3000)}`);
  }
  return { metrics: JSON.parse(line) as ProbeRunMetrics, processWallMs: result.wallMs };
}

/** `/usr/bin/time -v` around a command: wall from the benchmark, peak RSS and CPU from time. */
export async function timed(wrap: Wrap, command: string, args: readonly string[], timeoutMs: number): Promise<{ wallMs: number; peakRssMb: number; cpuMs: number; code: number | null; stderr: string }> {
  const result = await runChild(wrap('/usr/bin/time', ['-v', command, ...args]), timeoutMs, true);
  const field = (name: string): number => Number(new RegExp(`${name}[^:]*: ([\\d.]+)`).exec(result.stderr)?.[1] ?? NaN);
  return {
    wallMs: result.wallMs,
    peakRssMb: field('Maximum resident set size') / 1024,
    cpuMs: (field('User time') + field('System time')) * 1000,
    // time exits with the command's code.
    code: result.code,
    stderr: result.stderr,
  };
}

export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const seconds = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');
export const round = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
