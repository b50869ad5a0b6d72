import { readFileSync } from 'node:fs';

/** Sockets the tool keeps for itself (stdio, log, report files, DNS, child processes). */
const RESERVED_FDS = 64;
/** Above this, a single Node thread gains nothing (docs/benchmarks.md, fourth round: concurrency above 4,096). */
const MAX_AUTO_CONCURRENCY = 4096;

/**
 * The soft limit on open files, from /proc (Node raises its soft limit to the hard one at
 * start-up, so this is what the process really has). 1024 when it cannot be read.
 */
export function openFileLimit(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    if (soft === 'unlimited') return MAX_AUTO_CONCURRENCY * 2;
    const value = Number(soft);
    return Number.isFinite(value) && value > 0 ? value : 1024;
  } catch {
    return 1024;
  }
}

/**
 * Global concurrency when the inventory says 0 (auto): as many probes as file descriptors allow
 * (a probe holds one socket, a ping child a few), capped where one thread stops gaining.
 */
export function autoConcurrency(fdLimit = openFileLimit()): number {
  return Math.max(16, Math.min(MAX_AUTO_CONCURRENCY, Math.floor((fdLimit - RESERVED_FDS) / 2)));
}
