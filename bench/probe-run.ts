import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { executeCheck } from '../src/check/execute.js';
import { linesAheadFor, prepareOutputs, writeOutputs } from '../src/cli/outputs.js';
import { limitHeapGrowth } from '../src/cli/heap-growth.js';
import { effectiveSettings } from '../src/check/settings.js';
import { loadInventory } from '../src/inventory/load.js';
import { createLogger } from '../src/log.js';
import { findVantage } from '../src/planner/vantage.js';
import type { ProbeKind } from '../probes/registry.js';

/**
 * One check, in a process of its own, measured phase by phase: exactly what `psm-netcheck check
 * -f none -o json=FILE` does (load the inventory, plan, run, build the report, write it), with
 * the same functions, minus the lock and the progress line. Prints one JSON line of metrics.
 *
 *   node dist/bench/probe-run.js '{"inventory":"...","from":"psm-server-1","only":["tcp"],...}'
 */
export interface ProbeRunArgs {
  readonly inventory: string;
  readonly from: string;
  readonly only?: readonly ProbeKind[];
  readonly timeout?: string;
  readonly retries?: string;
  readonly concurrency?: string;
  readonly perHost?: string;
  /** False: NTP and TCP probes stay on the main loop (the timing lane off, for a comparison). */
  readonly timingLane?: boolean;
  /** Where the JSON report goes; none when absent (the report is still built). */
  readonly report?: string;
}

export interface PhaseMetrics {
  readonly wallMs: number;
  /** CPU time of this process (user + system) in the phase. */
  readonly cpuMs: number;
  /** Of which in the kernel (connects, closes, the loopback's packets). */
  readonly systemMs?: number;
  /** V8 heap in use at the end of the phase, MB. */
  readonly heapMb?: number;
}

export interface ProbeRunMetrics {
  /** From the process's start (Node's time origin) to the end of the report write. */
  readonly wallMs: number;
  readonly phases: { readonly startup: PhaseMetrics; readonly load: PhaseMetrics; readonly plan: PhaseMetrics; readonly run: PhaseMetrics; readonly write: PhaseMetrics };
  readonly probes: number;
  readonly concurrency: number;
  readonly perHost: number;
  /** Event-loop delay while the probes ran (ms beyond a 10 ms timer's interval). */
  readonly loopDelay: { readonly p50: number; readonly p99: number; readonly max: number; readonly mean: number };
  /** Longest event-loop block over the whole check, planning and report included (ms). */
  readonly loopDelayMaxOverall: number;
  /** Peak resident set (VmHWM), MB. */
  readonly peakRssMb: number;
  /**
   * What the check keeps: the V8 heap after a full collection at the very end (the report and
   * its results still referenced), MB. Peak RSS minus this is garbage V8 let accumulate.
   */
  readonly keptHeapMb?: number;
  readonly summary: Record<string, number>;
}

// As the CLI does first thing (src/cli/main.ts).
limitHeapGrowth();
const args = JSON.parse(process.argv[2] ?? '{}') as ProbeRunArgs;
/**
 * The histograms record the interval between ticks of a RESOLUTION_MS timer, in nanoseconds: the
 * delay is what exceeds the resolution. NaN (no sample) becomes 0.
 */
const RESOLUTION_MS = 10;
const toMs = (ns: number): number => (Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1e4) / 100 - RESOLUTION_MS) : 0);

const overall = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
const during = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
overall.enable();
let mark = { at: performance.now(), cpu: process.cpuUsage() };
const startup: PhaseMetrics = { wallMs: mark.at, cpuMs: (mark.cpu.user + mark.cpu.system) / 1000 };
const phase = (): PhaseMetrics => {
  const at = performance.now();
  const cpu = process.cpuUsage(mark.cpu);
  const result = { wallMs: at - mark.at, cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000, heapMb: Math.round(process.memoryUsage().heapUsed / 1048576) };
  mark = { at, cpu: process.cpuUsage() };
  return result;
};

const log = createLogger('warn');
const inventory = await loadInventory(args.inventory, { requireSecrets: true });
const vantage = findVantage(inventory, args.from);
const settings = effectiveSettings(inventory.defaults, {
  ...(args.timeout === undefined ? {} : { timeout: args.timeout }),
  ...(args.retries === undefined ? {} : { retries: args.retries }),
  ...(args.concurrency === undefined ? {} : { concurrency: args.concurrency }),
  ...(args.perHost === undefined ? {} : { perHost: args.perHost }),
});
const outputs = await prepareOutputs(args.report === undefined ? [] : [{ format: 'json', path: args.report }]);
const linesAhead = linesAheadFor(outputs, 'none');
const load = phase();
let plan: PhaseMetrics | undefined;
let probes = 0;
const report = await executeCheck({
  inventory,
  vantage,
  settings,
  signal: new AbortController().signal,
  log,
  ...(args.only === undefined ? {} : { only: args.only }),
  ...(args.timingLane === undefined ? {} : { timingLane: args.timingLane }),
  onPlan: (planned) => {
    plan = phase();
    probes = planned.probes.length;
    during.enable();
  },
  // As interactiveCheck wires it for check and preflight.
  ...(linesAhead === undefined ? {} : { onResult: linesAhead.add, onDrained: linesAhead.begin }),
});
linesAhead?.stop();
during.disable();
const run = phase();
await writeOutputs(report, outputs, 'none', linesAhead);
const write = phase();
overall.disable();

const peak = peakRssMb();
// After every phase is measured: a full collection (probe-run runs with --expose-gc) leaves what
// the check holds, the report above all; the report stays referenced until after it.
globalThis.gc?.();
const keptHeapMb = globalThis.gc === undefined ? undefined : Math.round(process.memoryUsage().heapUsed / 1048576);
const metrics: ProbeRunMetrics = {
  wallMs: performance.now(),
  phases: { startup, load, plan: plan ?? { wallMs: 0, cpuMs: 0 }, run, write },
  probes,
  concurrency: settings.concurrency,
  perHost: settings.perHostConcurrency,
  loopDelay: {
    p50: toMs(during.percentile(50)),
    p99: toMs(during.percentile(99)),
    max: toMs(during.max),
    mean: toMs(during.mean),
  },
  loopDelayMaxOverall: toMs(overall.max),
  peakRssMb: peak,
  ...(keptHeapMb === undefined ? {} : { keptHeapMb }),
  summary: { ...report.summary },
};
process.stdout.write(`${JSON.stringify(metrics)}\n`);

function peakRssMb(): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  const kb = Number(line?.replace(/\D+/g, '') ?? 0);
  return Math.round(kb / 102.4) / 10;
}
