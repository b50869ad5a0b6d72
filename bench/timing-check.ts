import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

/**
 * The timing comparison of the full suite: the benchmark's own timing peers (bench/timing-peers.ts)
 * are added to the lab's inventory as NTP servers with a TCP path each; psm-netcheck probes them
 * alone (only those kinds, nothing else on the event loop) and inside the 5,000-element full
 * check, and the connect times and NTP offsets it reports are compared.
 */

export const TIMING_PEERS = 50;
export const TIMING_TCP_PORT = 3083;

export function timingAddress(i: number): string {
  return `127.99.${Math.floor((i + 1) / 250)}.${((i + 1) % 250) + 1}`;
}

/** Adds the timing peers to an inventory file: hosts of role ntp-server (planned NTP probes) and a TCP path each. */
export function addTimingPeers(inventory: string, from: string): void {
  const doc = parse(readFileSync(inventory, 'utf8')) as { hosts: unknown[]; paths?: unknown[] };
  doc.paths ??= [];
  for (let i = 0; i < TIMING_PEERS; i++) {
    const name = `timing-${i + 1}`;
    doc.hosts.push({ name, role: 'ntp-server', addresses: [timingAddress(i)] });
    doc.paths.push({ name: `timing-tcp-${i + 1}`, from, to: name, transport: 'tcp', ports: [TIMING_TCP_PORT], expect: 'reachable', probe: 'tcp' });
  }
  writeFileSync(inventory, stringify(doc, { lineWidth: 0 }));
}

/**
 * An inventory of the vantage and the timing peers only, for the run alone: the probes then run in
 * a process that loaded and planned a hundred hosts, not 5,000 elements whose garbage the collector
 * would still be sweeping while they are timed. Same credentials and defaults as the lab's.
 */
export function writeTimingInventory(inventory: string, out: string, from: string): void {
  const doc = parse(readFileSync(inventory, 'utf8')) as { hosts: Array<{ name: string }>; paths?: Array<{ name: string }> };
  doc.hosts = doc.hosts.filter((h) => h.name === from || h.name.startsWith('timing-'));
  doc.paths = (doc.paths ?? []).filter((p) => p.name.startsWith('timing-tcp-'));
  writeFileSync(out, stringify(doc, { lineWidth: 0 }));
}

/** What psm-netcheck reported for the timing peers in one run, ms. */
export interface TimingFigures {
  readonly connectMs: readonly number[];
  readonly ntpOffsetMs: readonly number[];
  readonly ntpDelayMs: readonly number[];
  /** Of these results, how many said they were timed while the loop ran late. */
  readonly markedLate: number;
  /** How late the timing lane's own loop ran in that run (runs with a lane). */
  readonly laneLoop?: { readonly p99Ms: number; readonly maxMs: number };
}

export function timingFigures(report: string): TimingFigures {
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
    results: Array<{ target: string; probe: string; timings: Record<string, number>; evidence: Record<string, unknown>; loopLateMs?: number }>;
    loopDelay?: { lane?: { p99Ms: number; maxMs: number } };
  };
  const lane = parsed.loopDelay?.lane;
  const mine = parsed.results.filter((r) => r.target.startsWith('timing-'));
  const connectMs = mine.filter((r) => r.probe === 'tcp').map((r) => r.timings.connect ?? r.timings.total ?? NaN);
  const ntp = mine.filter((r) => r.probe === 'ntp' && typeof r.evidence.offsetMs === 'number');
  return {
    connectMs,
    ntpOffsetMs: ntp.map((r) => Math.abs(r.evidence.offsetMs as number)),
    ntpDelayMs: ntp.map((r) => r.evidence.delayMs as number),
    markedLate: mine.filter((r) => r.loopLateMs !== undefined).length,
    ...(lane === undefined ? {} : { laneLoop: { p99Ms: lane.p99Ms, maxMs: lane.maxMs } }),
  };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
