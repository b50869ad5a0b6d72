import { performance } from 'node:perf_hooks';
import { closeEchoSessions, echoRaw } from '../probes/protocols/icmp/raw.js';
import { DeadlineError } from '../src/core/abort.js';
import { fleetAddress } from './fleet.js';

/**
 * The icmp probe's raw-socket echo alone (probes/protocols/icmp/raw.ts): COUNT pings to as many
 * loopback addresses (127.B.x.y, inside the benchmark's namespace), started 256 per turn of the
 * event loop as the runner starts probes, each with its own deadline. With BUSY > 0 the event loop
 * is kept that busy by other work (slices of synchronous work, 10 ms each, with pauses between),
 * as it is when thousands of other probes run beside the pings.
 *
 *   node dist/bench/icmp-echo.js COUNT [BUSY] [TIMEOUT_MS] [BLOCK]
 * Prints one JSON line: the RTT percentiles that the probe reported, how many got no reply, the
 * time from the first call to the last resolution, CPU and peak RSS. Needs root (raw socket).
 */
const [countText = '3000', busyText = '0', timeoutText = '2000', blockText = '1'] = process.argv.slice(2);
const count = Number(countText);
const busy = Number(busyText);
const timeoutMs = Number(timeoutText);
const block = Number(blockText);
const STARTS_PER_TURN = 256;
const BUSY_SLICE_MS = 10;

const rtts: number[] = [];
const kinds = new Map<string, number>();
let done = 0;
let next = 0;
let busyUntilDone = busy > 0;

// Other work: BUSY_SLICE_MS of synchronous work, then a pause so that it fills `busy` of the time.
function otherWork(): void {
  if (!busyUntilDone) return;
  const end = performance.now() + BUSY_SLICE_MS;
  while (performance.now() < end) {
    // spin
  }
  setTimeout(otherWork, (BUSY_SLICE_MS * (1 - busy)) / busy);
}

const started = performance.now();
const cpuAtStart = process.cpuUsage();

function startMore(): void {
  for (let i = 0; i < STARTS_PER_TURN && next < count; i++) ping(next++);
  if (next < count) setImmediate(startMore);
}

function ping(index: number): void {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineError(timeoutMs)), timeoutMs);
  void echoRaw(fleetAddress(index, block), 4, controller.signal).then((result) => {
    clearTimeout(timer);
    kinds.set(result.kind, (kinds.get(result.kind) ?? 0) + 1);
    if (result.kind === 'reply') rtts.push(result.rttMs);
    if (++done === count) finish();
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function finish(): void {
  busyUntilDone = false;
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  closeEchoSessions();
  rtts.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      pings: count,
      replies: rtts.length,
      noReply: kinds.get('no-reply') ?? 0,
      rttP50Ms: percentile(rtts, 0.5),
      rttP99Ms: percentile(rtts, 0.99),
      rttMaxMs: rtts.at(-1) ?? NaN,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      kinds: Object.fromEntries(kinds),
    })}\n`,
  );
  process.exit(0);
}

otherWork();
startMore();
