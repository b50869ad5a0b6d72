import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dropRules, fleetInventory, makeFleet, VANTAGE_NAME, type Fleet } from './fleet.js';
import { BENCH_DIR, loadAverage, median, probeRun, runChild, timed, CLI, type Wrap } from './measure.js';
import { nmapArgs, readGrepable, writeHostsFile, type NmapMode } from './nmap.js';
import type { ProbeRunMetrics } from './probe-run.js';

/**
 * The TCP sweep: the fleet of fleet.ts, swept by psm-netcheck (planner, runner, report, in a
 * process of its own) and by nmap -sT, alternately, on the same targets with the same timeout.
 */
export interface TcpSuiteOptions {
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly timeoutMs: number;
  readonly filtered: number;
  readonly nmapModes: readonly NmapMode[];
  /** Also run the real CLI once at the largest size, under /usr/bin/time. */
  readonly cli: boolean;
  readonly dir: string;
  readonly wrap: Wrap;
  /** Replace the drop rules; undefined without a namespace. */
  readonly nft?: (rules: string) => void;
  readonly ports: readonly number[];
  /** CPU time used so far by the simulated elements, ms. */
  readonly peersCpuMs: () => number;
  /** bench/c-floor.c built (buildCFloor); absent: no C ceiling in the tables. */
  readonly cFloor?: string;
}

export interface PsmTcpRun {
  readonly metrics: ProbeRunMetrics;
  readonly processWallMs: number;
  readonly wrong: number;
  readonly peersCpuMs: number;
  readonly load: string;
}

export interface NmapRun {
  readonly mode: NmapMode;
  readonly wallMs: number;
  readonly peakRssMb: number;
  readonly cpuMs: number;
  readonly wrong: number;
  readonly load: string;
}

/** bench/node-floor.ts and bench/c-floor.c: the same sweep with nothing but its system calls (see there). */
export interface FloorRun {
  /** Process start to exit, as the benchmark saw it. */
  readonly wallMs: number;
  readonly probingMs: number;
  readonly cpuMs: number;
  readonly systemMs: number;
  readonly wrong: number;
}

export interface TcpSizeResult {
  readonly size: number;
  readonly probes: number;
  readonly answered: number;
  readonly filtered: number;
  readonly psm: readonly PsmTcpRun[];
  readonly nmap: readonly NmapRun[];
  readonly floor: readonly FloorRun[];
  /** The C ceiling's runs; empty when it could not be built. */
  readonly cFloor: readonly FloorRun[];
  readonly cli?: { wallMs: number; peakRssMb: number; cpuMs: number; wrong: number; load: string };
  readonly examples: readonly string[];
}

export async function runTcpSuite(options: TcpSuiteOptions, log: (line: string) => void): Promise<TcpSizeResult[]> {
  const results: TcpSizeResult[] = [];
  const largest = Math.max(...options.sizes);
  for (const size of options.sizes) {
    const fleet = makeFleet(size, options.nft === undefined ? 0 : options.filtered, 1, options.ports);
    const inventory = path.join(options.dir, `tcp-${size}.yaml`);
    const hostsFile = path.join(options.dir, `tcp-${size}.hosts`);
    const report = path.join(options.dir, `tcp-${size}.report.json`);
    writeFileSync(inventory, fleetInventory(fleet));
    writeHostsFile(hostsFile, fleet.hosts.map((h) => h.address));
    options.nft?.(dropRules(fleet.dropped));
    const examples: string[] = [];
    const psm: PsmTcpRun[] = [];
    const nmap: NmapRun[] = [];
    const floor: FloorRun[] = [];
    const cFloor: FloorRun[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const peers0 = options.peersCpuMs();
      const load = loadAverage();
      const measured = await probeRun(options.wrap, {
        inventory,
        from: VANTAGE_NAME,
        only: ['tcp'],
        timeout: `${options.timeoutMs}ms`,
        retries: '0',
        report,
      });
      const wrong = checkReport(report, fleet, examples);
      psm.push({ ...measured, wrong, peersCpuMs: options.peersCpuMs() - peers0, load });
      log(`tcp ${size} run ${run}: psm-netcheck ${(measured.processWallMs / 1000).toFixed(2)} s, ${wrong} wrong (load ${load})`);
      for (const mode of options.nmapModes) {
        const out = path.join(options.dir, `tcp-${size}.gnmap`);
        const nmapLoad = loadAverage();
        const t = await timed(options.wrap, 'nmap', nmapArgs(mode, hostsFile, fleet.ports, options.timeoutMs, out), 900_000);
        const states = readGrepable(out, fleet.ports);
        let nmapWrong = 0;
        for (const h of fleet.hosts) for (const p of fleet.ports) if (states.get(`${h.address}:${p}`) !== fleet.expected(h.address, p)) nmapWrong++;
        nmap.push({ mode, wallMs: t.wallMs, peakRssMb: t.peakRssMb, cpuMs: t.cpuMs, wrong: nmapWrong, load: nmapLoad });
        log(`tcp ${size} run ${run}: nmap ${mode} ${(t.wallMs / 1000).toFixed(2)} s, ${nmapWrong} wrong (load ${nmapLoad})`);
      }
      const nodeFloor: [string, string[]] = [process.execPath, [path.join(BENCH_DIR, 'node-floor.js')]];
      const floorRun = await floorSweep(nodeFloor, options, hostsFile, fleet, measured.metrics.concurrency, path.join(options.dir, `tcp-${size}.floor`));
      floor.push(floorRun);
      log(`tcp ${size} run ${run}: Node floor ${(floorRun.wallMs / 1000).toFixed(2)} s, ${floorRun.wrong} wrong`);
      if (options.cFloor !== undefined) {
        const cRun = await floorSweep([options.cFloor, []], options, hostsFile, fleet, measured.metrics.concurrency, path.join(options.dir, `tcp-${size}.c-floor`));
        cFloor.push(cRun);
        log(`tcp ${size} run ${run}: C ceiling ${(cRun.wallMs / 1000).toFixed(2)} s, ${cRun.wrong} wrong`);
      }
    }
    let cli: TcpSizeResult['cli'];
    if (options.cli && size === largest) {
      const load = loadAverage();
      // --no-locate: the sweep measures probing; the TTL search of silent paths after it (capped
      // at 20 paths, about 5 s) is a separate, documented cost. The ICMP error observer stays on.
      const t = await timed(
        options.wrap,
        process.execPath,
        [CLI, 'check', '-i', inventory, '--from', VANTAGE_NAME, '--only', 'tcp', '--timeout', `${options.timeoutMs}ms`, '--retries', '0', '--no-progress', '--no-locate', '-f', 'none', '-o', report],
        600_000,
      );
      cli = { wallMs: t.wallMs, peakRssMb: t.peakRssMb, cpuMs: t.cpuMs, wrong: checkReport(report, fleet, examples), load };
      log(`tcp ${size}: psm-netcheck check (CLI) ${(t.wallMs / 1000).toFixed(2)} s, peak RSS ${t.peakRssMb.toFixed(0)} MB`);
    }
    const filtered = fleet.dropped.size;
    const probes = fleet.hosts.length * fleet.ports.length;
    results.push({ size, probes, answered: probes - filtered, filtered, psm, nmap, floor, cFloor, ...(cli ? { cli } : {}), examples });
  }
  return results;
}

/**
 * bench/c-floor.c compiled with the machine's C compiler into `dir`, or why it cannot be: then the
 * tables have no C ceiling and say so.
 */
export function buildCFloor(dir: string): { readonly binary: string } | { readonly why: string } {
  const source = path.join(BENCH_DIR, '..', '..', 'bench', 'c-floor.c');
  const binary = path.join(dir, 'c-floor');
  try {
    execFileSync('cc', ['-O2', '-o', binary, source], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    return { binary };
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim() || (error as Error).message;
    return { why: `cc could not build bench/c-floor.c: ${detail.split('\n')[0] ?? ''}` };
  }
}

/** A floor sweep (bench/node-floor.ts or bench/c-floor.c: the same arguments) on the same targets, at psm-netcheck's concurrency. */
async function floorSweep(
  command: [string, string[]],
  options: TcpSuiteOptions,
  hostsFile: string,
  fleet: Fleet,
  concurrency: number,
  statesOut: string,
): Promise<FloorRun> {
  const [program, leading] = command;
  const result = await runChild(
    options.wrap(program, [...leading, hostsFile, fleet.ports.join(','), String(options.timeoutMs), String(concurrency), statesOut]),
    300_000,
  );
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.code !== 0 || !line.startsWith('{')) throw new Error(`${path.basename(leading[0] ?? program)} failed (exit ${String(result.code)}):\n${result.stderr.slice(-2000)}`);
  const measured = JSON.parse(line) as { probingMs: number; cpuMs: number; systemMs: number };
  let wrong = 0;
  for (const entry of readFileSync(statesOut, 'utf8').split('\n').filter(Boolean)) {
    const [target = '', state] = entry.split(' ');
    const at = target.lastIndexOf(':');
    if (fleet.expected(target.slice(0, at), Number(target.slice(at + 1))) !== state) wrong++;
  }
  return { wallMs: result.wallMs, ...measured, wrong };
}

/** Results whose state differs from what the fleet was built to show. */
function checkReport(file: string, fleet: Fleet, examples: string[]): number {
  const report = JSON.parse(readFileSync(file, 'utf8')) as { results: Array<{ address: string; port: number; state: string; reason: string }> };
  let wrong = Math.abs(report.results.length - fleet.hosts.length * fleet.ports.length);
  for (const r of report.results) {
    const expected = fleet.expected(r.address, r.port);
    if (r.state !== expected) {
      wrong++;
      if (examples.length < 5) examples.push(`${r.address}:${r.port} ${r.state} (${r.reason}), expected ${expected}`);
    }
  }
  return wrong;
}

/** Medians over the runs of one size. */
export function summarizeTcp(result: TcpSizeResult): {
  psmWall: number;
  psmRun: number;
  nmapWall: Record<string, number>;
  floorWall: number;
  floorProbing: number;
  /** NaN without a C ceiling. */
  cWall: number;
} {
  const nmapWall: Record<string, number> = {};
  for (const mode of new Set(result.nmap.map((n) => n.mode))) nmapWall[mode] = median(result.nmap.filter((n) => n.mode === mode).map((n) => n.wallMs));
  return {
    psmWall: median(result.psm.map((p) => p.processWallMs)),
    psmRun: median(result.psm.map((p) => p.metrics.phases.run.wallMs)),
    nmapWall,
    floorWall: median(result.floor.map((f) => f.wallMs)),
    floorProbing: median(result.floor.map((f) => f.probingMs)),
    cWall: result.cFloor.length === 0 ? NaN : median(result.cFloor.map((f) => f.wallMs)),
  };
}
