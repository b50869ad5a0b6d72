import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FLEET_PORTS, MOVED_FLEET_PORTS } from './fleet.js';
import { runFullSuite, type FullSizeResult } from './full-suite.js';
import { processCpuMs } from './lab-fleet.js';
import { describeMachine, hasCommand } from './machine.js';
import { renderResults, spliceResults, type BenchReport } from './markdown.js';
import { BENCH_DIR, loadAverage, type Wrap } from './measure.js';
import { createNamespace, namespaceUnavailable, startDaemon, type BenchNamespace } from './netns.js';
import type { NmapMode } from './nmap.js';
import { planningTime, versionTime } from './startup.js';
import { buildCFloor, runTcpSuite, type TcpSizeResult } from './tcp-suite.js';

/**
 * `npm run bench`: psm-netcheck at scale on simulated elements, next to nmap, written into
 * docs/benchmarks.md. Not a test: it asserts nothing, it measures and says what it saw.
 * Traffic goes only to loopback addresses inside a network namespace of its own (as root), or to
 * 127.0.0.0/8 on this host without root (then without dropped paths, and it says so).
 *
 *   npm run bench -- [--sizes 100,1000,5000] [--suite tcp,full] [--runs 3] [--full-runs 1]
 *                    [--full-sizes 100,1000,5000] [--kinds-size 1000] [--timeout 2000]
 *                    [--filtered 0.1] [--nmap fixed,adaptive] [--no-cli] [--out docs/benchmarks.md | -]
 */
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,5000' },
    'full-sizes': { type: 'string' },
    suite: { type: 'string', default: 'tcp,full' },
    runs: { type: 'string', default: '3' },
    'full-runs': { type: 'string', default: '1' },
    'kinds-size': { type: 'string', default: '1000' },
    timeout: { type: 'string', default: '2000' },
    filtered: { type: 'string', default: '0.1' },
    nmap: { type: 'string', default: 'fixed' },
    'no-cli': { type: 'boolean', default: false },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});

const list = (text: string | undefined): number[] => (text ?? '').split(',').filter(Boolean).map(Number);
const sizes = list(values.sizes);
const fullSizes = values['full-sizes'] === undefined ? sizes : list(values['full-sizes']);
const suites = new Set((values.suite ?? '').split(','));
const runs = Number(values.runs);
const timeoutMs = Number(values.timeout);
const filtered = Number(values.filtered);
const kindsSize = Number(values['kinds-size']);
const nmapModes = (values.nmap ?? '').split(',').filter((m): m is NmapMode => m === 'fixed' || m === 'adaptive');
if ([...sizes, ...fullSizes].some((n) => !Number.isInteger(n) || n < 1 || n > 60_000) || !(runs >= 1 && runs <= 20)) {
  throw new Error('--sizes/--full-sizes: whole numbers 1-60000; --runs 1-20');
}
if (!(timeoutMs >= 100 && timeoutMs <= 30_000) || !(filtered >= 0 && filtered < 1)) throw new Error('--timeout 100-30000 ms; --filtered 0-0.99');

/** Without a namespace: the largest TCP fleet whose per-address listeners fit the descriptor limit. */
const HOST_LOOPBACK_MAX = 4000;

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const notes: string[] = [];
const loadAtStart = loadAverage();
const machine = describeMachine();
log(`psm-netcheck benchmark on ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, nmap ${machine.nmap}; load ${loadAtStart}`);

const unavailable = namespaceUnavailable();
let ns: BenchNamespace | undefined;
if (unavailable === undefined) {
  ns = createNamespace();
} else {
  const note = `Without a network namespace (${unavailable}): targets are 127.0.0.0/8 on this host, nothing is dropped, ` +
    'so no path is filtered and the timeout never comes into play; run as root for the real shape.';
  notes.push(note);
  log(`NOTE: ${note}`);
}
if (!hasCommand('nmap') && nmapModes.length > 0) {
  notes.push('nmap is not installed here (apt-get install nmap): no side-by-side figures.');
  nmapModes.length = 0;
}
const wrap: Wrap = ns === undefined ? (command, args) => [command, [...args]] : ns.wrap;
const nft = ns === undefined ? undefined : (rules: string): void => ns?.nft(rules);
const work = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'psmbench-'));

let tcp: TcpSizeResult[] = [];
let full: FullSizeResult[] = [];
let version: BenchReport['version'];
let planning: BenchReport['planning'];
try {
  version = await versionTime(10);
  log(`psm-netcheck --version: ${version.medianMs.toFixed(0)} ms median`);
  const planElements = Math.max(...sizes, ...fullSizes, 5000);
  planning = { elements: planElements, ...planningTime(planElements, 6) };
  log(`planning ${planElements} elements: ${planning.firstMs.toFixed(0)} ms first, ${planning.medianMs.toFixed(0)} ms median`);

  // On the host, each fleet address has listeners of its own (4 descriptors a host).
  const tcpSizes = ns === undefined ? sizes.filter((n) => n <= HOST_LOOPBACK_MAX) : sizes;
  if (tcpSizes.length < sizes.length) notes.push(`Without a namespace the TCP sweep stops at ${HOST_LOOPBACK_MAX} hosts (file descriptors).`);
  if (suites.has('tcp') && tcpSizes.length > 0) {
    const ports = ns === undefined ? MOVED_FLEET_PORTS : FLEET_PORTS;
    const peerArgs = [path.join(BENCH_DIR, 'tcp-peers.js'), ports.slice(0, 3).join(','), String(ports[3])];
    if (ns === undefined) peerArgs.push(String(Math.max(...tcpSizes)));
    const built = buildCFloor(work);
    if ('why' in built) {
      notes.push(`No C ceiling in the TCP sweep: ${built.why}.`);
      log(`NOTE: no C ceiling: ${built.why}`);
    }
    const cFloor = 'binary' in built ? { cFloor: built.binary } : {};
    const peers = await startDaemon(wrap(process.execPath, peerArgs), 60_000);
    try {
      tcp = await runTcpSuite(
        { sizes: tcpSizes, runs, timeoutMs, filtered, nmapModes, cli: !values['no-cli'], dir: work, wrap, ...(nft ? { nft } : {}), ports, peersCpuMs: () => processCpuMs(peers.child.pid), ...cFloor },
        log,
      );
    } finally {
      await peers.stop();
    }
  }
  if (suites.has('full')) {
    full = await runFullSuite({ sizes: fullSizes, runs: Number(values['full-runs']), timeoutMs, filtered, kindsSize, dir: work, wrap, ...(nft ? { nft } : {}) }, log);
  }
} finally {
  ns?.destroy();
  rmSync(work, { recursive: true, force: true });
}

const report: BenchReport = {
  machine,
  command: process.argv.length > 2 ? `npm run bench -- ${process.argv.slice(2).join(' ')}` : 'npm run bench',
  loadAtStart,
  loadAtEnd: loadAverage(),
  namespace: ns === undefined ? 'host loopback, no namespace' : 'a network namespace of the benchmark\'s own, loopback only, nftables drop sets on input',
  timeoutMs,
  filtered: ns === undefined ? 0 : filtered,
  runs,
  tcp,
  full,
  kindsSize,
  ...(version ? { version } : {}),
  ...(planning ? { planning } : {}),
  notes,
};
const generated = renderResults(report);
log('');
log(generated);
if (values.out !== '-' && values.out !== undefined) {
  const file = path.resolve(values.out);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, spliceResults(existsSync(file) ? readFileSync(file, 'utf8') : undefined, generated));
  log(`\nwritten to ${file}`);
}
