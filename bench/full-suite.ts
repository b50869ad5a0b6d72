import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadInventory } from '../src/inventory/load.js';
import { planChecks } from '../src/planner/plan.js';
import { findVantage } from '../src/planner/vantage.js';
import type { ProbeKind } from '../probes/registry.js';
import { dropRules, pickFraction } from './fleet.js';
import { processCpuMs, startLabFleet } from './lab-fleet.js';
import { settleCpu } from './settle.js';
import { BENCH_DIR, loadAverage, probeRun, type Wrap } from './measure.js';
import { startDaemon } from './netns.js';
import { addTimingPeers, TIMING_PEERS, writeTimingInventory, TIMING_TCP_PORT, timingFigures, type TimingFigures } from './timing-check.js';
import type { ProbeRunMetrics } from './probe-run.js';

/**
 * The full server -> NE check: the lab's elements of every type with their Table 3 ports (ICMP,
 * NETCONF hello with a login, CLI and TL1 over SSH or telnet, SNMP get), a fraction of the
 * element paths dropped, checked from the PSM server with every probe the plan holds. Then each
 * probe kind alone on the same network, for the prober's own CPU time per probe of that kind.
 */
export interface FullSuiteOptions {
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly timeoutMs: number;
  readonly filtered: number;
  /** Size at which each probe kind runs alone (CPU per probe); 0 for none. */
  readonly kindsSize: number;
  readonly dir: string;
  readonly wrap: Wrap;
  readonly nft?: (rules: string) => void;
}

export interface FullRun {
  readonly metrics: ProbeRunMetrics;
  readonly processWallMs: number;
  readonly wrong: number;
  readonly simulatorCpuMs: number;
  readonly load: string;
  /** The timing peers' figures in this run (root only). */
  readonly timing?: TimingFigures;
}

export interface KindCost {
  readonly kind: string;
  readonly probes: number;
  readonly runWallMs: number;
  readonly proberCpuMs: number;
  readonly simulatorCpuMs: number;
}

export interface FullSizeResult {
  readonly size: number;
  readonly labStartMs: number;
  readonly probes: number;
  readonly dropped: number;
  readonly runs: readonly FullRun[];
  readonly kinds: readonly KindCost[];
  readonly examples: readonly string[];
  /** The timing peers probed alone (only their NTP and TCP probes), before the full runs. */
  readonly timingAlone?: readonly TimingFigures[];
  /** Full runs with the timing lane off, for the comparison (as many as `runs`). */
  readonly laneOff?: readonly FullRun[];
}

const VANTAGE = 'psm-server-1';

export async function runFullSuite(options: FullSuiteOptions, log: (line: string) => void): Promise<FullSizeResult[]> {
  const results: FullSizeResult[] = [];
  for (const size of options.sizes) {
    const dir = path.join(options.dir, `full-${size}`);
    const started = performance.now();
    const labs = await startLabFleet(size, dir, options.wrap, options.nft !== undefined);
    const labStartMs = performance.now() - started;
    log(`full ${size}: ${labs.daemons.length} lab process(es) ready in ${(labStartMs / 1000).toFixed(1)} s`);
    // The timing peers bind NTP's port 123: only in the benchmark's own namespace (root).
    const timingPeers =
      options.nft === undefined
        ? undefined
        : await startDaemon(options.wrap(process.execPath, [path.join(BENCH_DIR, 'timing-peers.js'), String(TIMING_PEERS), '123', String(TIMING_TCP_PORT)]), 60_000);
    if (timingPeers !== undefined) addTimingPeers(labs.inventory, VANTAGE);
    try {
      const inventory = await loadInventory(labs.inventory, { requireSecrets: false });
      const plan = planChecks(inventory, findVantage(inventory, VANTAGE));
      // Paths to the elements, one key per packet filter match: the same (address, port) serves
      // several probes (SSH and NETCONF on a Juniper's 22), and all of them see it dropped.
      const keyOf = (p: { transport: string; address: string; port: number | undefined | null }): string =>
        `${p.transport}|${p.address}|${p.port ?? ''}`;
      const elementKeys = [...new Set(plan.probes.filter((p) => p.targetRole === 'network-element').map(keyOf))];
      const dropped = new Set(options.nft === undefined ? [] : pickFraction(elementKeys, options.filtered, 2));
      const pairs = (transport: string): string[] =>
        [...dropped].filter((k) => k.startsWith(`${transport}|`)).map((k) => k.split('|').slice(1).join(':'));
      options.nft?.(dropRules(pairs('tcp'), pairs('udp'), pairs('icmp').map((a) => a.replace(/:$/, ''))));
      const droppedProbes = plan.probes.filter((p) => dropped.has(keyOf(p))).length;

      const examples: string[] = [];
      const report = path.join(dir, 'report.json');
      const check = (): number => {
        const parsed = JSON.parse(readFileSync(report, 'utf8')) as { results: Array<{ transport: string; address: string; port: number | null; probe: string; state: string; reason: string; verdict: string }> };
        let wrong = 0;
        for (const r of parsed.results) {
          const isDropped = dropped.has(keyOf(r));
          const right = isDropped ? r.state === 'filtered' || r.state === 'open|filtered' : r.verdict === 'pass';
          if (!right) {
            wrong++;
            if (examples.length < 8) examples.push(`${r.probe} ${r.address}:${r.port ?? '-'} ${r.state} (${r.reason}) ${r.verdict}${isDropped ? ' [dropped]' : ''}`);
          }
        }
        return wrong;
      };

      // The simulated elements and the timing peers: a run starts once they are idle again.
      const busyCpuMs = (): number => labs.cpuMs() + processCpuMs(timingPeers?.child.pid);
      const settle = (): Promise<number> => settleCpu(busyCpuMs);
      const timingInventory = path.join(dir, 'timing-inventory.yaml');
      if (timingPeers !== undefined) writeTimingInventory(labs.inventory, timingInventory, VANTAGE);

      const timingAlone: TimingFigures[] = [];
      /**
       * The timing peers' probes alone: the baseline of the comparison, so it must hold nothing but
       * the network and the probe itself. Hence, measured (docs/benchmarks.md, "Honest timings"):
       * after the simulated elements settle (a full check leaves them seconds of closing and
       * collecting), from an inventory of the peers only (not 5,000 elements whose loading garbage
       * the collector sweeps while the probes run), and one probe at a time: 100 started at once
       * time each other's start-up (connect p50 57-72 ms at once, 0.2-1 ms one at a time, loaded
       * machine), while inside the full check the scheduler hands them out among 27,000 others.
       */
      const aloneRun = async (): Promise<void> => {
        if (timingPeers === undefined) return;
        const waited = await settle();
        const load = loadAverage();
        const measured = await probeRun(options.wrap, { inventory: timingInventory, from: VANTAGE, only: ['ntp', 'tcp'], timeout: `${options.timeoutMs}ms`, retries: '0', concurrency: '1', report });
        const figures = timingFigures(report);
        timingAlone.push(figures);
        const { run } = measured.metrics.phases;
        log(`full ${size} alone (settled in ${waited} ms): ${measured.metrics.probes} probes in ${run.wallMs.toFixed(0)} ms, ${figures.markedLate} marked late (load ${load})`);
      };
      const fullRun = async (label: string, timingLane: boolean): Promise<FullRun> => {
        await settle();
        const load = loadAverage();
        const cpu0 = labs.cpuMs();
        // PSM_BENCH_CPU_PROF=DIR: a V8 CPU profile of each full check's prober, for `node --cpu-prof` analysis.
        const profile = process.env.PSM_BENCH_CPU_PROF;
        const flags = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
        const measured = await probeRun(options.wrap, { inventory: labs.inventory, from: VANTAGE, timeout: `${options.timeoutMs}ms`, retries: '0', report, timingLane }, flags);
        const wrong = check();
        const timing = timingPeers === undefined ? {} : { timing: timingFigures(report) };
        log(`full ${size} ${label}: ${measured.metrics.probes} probes in ${(measured.processWallMs / 1000).toFixed(2)} s, ${wrong} wrong (load ${load})`);
        return { ...measured, wrong, simulatorCpuMs: labs.cpuMs() - cpu0, load, ...timing };
      };
      const runs: FullRun[] = [];
      const laneOff: FullRun[] = [];
      // Alone, then with the lane, then without it, in turn: the machine's load drifts over the runs.
      for (let run = 1; run <= options.runs; run++) {
        await aloneRun();
        runs.push(await fullRun(`run ${run}`, true));
        if (timingPeers !== undefined) laneOff.push(await fullRun(`run ${run}, timing lane off`, false));
      }

      const kinds: KindCost[] = [];
      if (size === options.kindsSize) {
        const counts = new Map<string, number>();
        for (const p of plan.probes) counts.set(p.probe, (counts.get(p.probe) ?? 0) + 1);
        // The kinds that matter at scale: those with at least one probe per ten elements.
        const worth = [...counts].filter(([, n]) => n >= size / 10).map(([kind]) => kind).sort();
        for (const kind of worth) {
          const cpu0 = labs.cpuMs();
          const measured = await probeRun(options.wrap, {
            inventory: labs.inventory,
            from: VANTAGE,
            only: [kind as ProbeKind],
            timeout: `${options.timeoutMs}ms`,
            retries: '0',
          });
          const { run } = measured.metrics.phases;
          kinds.push({ kind, probes: measured.metrics.probes, runWallMs: run.wallMs, proberCpuMs: run.cpuMs, simulatorCpuMs: labs.cpuMs() - cpu0 });
          log(`full ${size} ${kind} alone: ${measured.metrics.probes} probes, ${((run.cpuMs * 1000) / Math.max(1, measured.metrics.probes)).toFixed(0)} us prober CPU each`);
        }
      }
      results.push({
        size,
        labStartMs,
        probes: plan.probes.length,
        dropped: droppedProbes,
        runs,
        kinds,
        examples,
        ...(timingPeers === undefined ? {} : { timingAlone, laneOff }),
      });
    } finally {
      await timingPeers?.stop();
      await labs.stop();
    }
  }
  return results;
}
