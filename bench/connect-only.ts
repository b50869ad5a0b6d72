import { performance } from 'node:perf_hooks';
import { connectThenClose } from '../probes/kit/connect-only.js';
import { PhaseClock } from '../src/core/clock.js';
import { fleetAddress } from './fleet.js';

/**
 * The tcp probe's connect-and-close alone (probes/kit), with nothing of the runner around it:
 * HOSTS x PORTS answered probes (open or refused; nothing dropped, so no timeout hides the cost)
 * at CONCURRENCY, one after the other as slots free up. For comparing two implementations of the
 * same calls (bench/public-apis.ts), by CPU and peak RSS, or by instructions under callgrind.
 *
 *   node dist/bench/connect-only.js HOSTS PORTS CONCURRENCY [TIMEOUT_MS] [BLOCK]
 * Prints one JSON line: wall, CPU (user, system), peak RSS, and the count of each state.
 */
const [hostsText = '1000', portList = '22,2022,2024,3083,23,830', concurrencyText = '4096', timeoutText = '10000', blockText = '1'] = process.argv.slice(2);
const hosts = Number(hostsText);
const ports = portList.split(',').map(Number);
const concurrency = Number(concurrencyText);
const MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = Number(timeoutText);
/**
 * The second octet of the targets (127.B.x.y): a run right after another on the same addresses
 * meets the kernel's TIME-WAIT entries of the one before, and stalls.
 */
const BLOCK = Number(blockText);
// Port-major, as psm-netcheck's scheduler takes hosts in turn.
const targets = ports.flatMap((port) => Array.from({ length: hosts }, (_, i) => [fleetAddress(i, BLOCK), port] as const));

const states = new Map<string, number>();
let next = 0;
let active = 0;
let done = 0;
// A controller per attempt, as the runner gives each (thousands of listeners on one signal would
// make every add walk them all: a cost of the benchmark, not of the probe).
const inFlight = new Set<AbortController>();
const deadline = setTimeout(() => {
  for (const controller of inFlight) controller.abort(new DOMException('deadline', 'TimeoutError'));
}, TIMEOUT_MS);
const started = performance.now();
const cpuAtStart = process.cpuUsage();

function startMore(): void {
  while (active < concurrency && next < targets.length) {
    const [address, port] = targets[next++] as readonly [string, number];
    active++;
    const controller = new AbortController();
    inFlight.add(controller);
    void connectThenClose(address, port, controller.signal, new PhaseClock(), MAX_BYTES).then((result) => {
      inFlight.delete(controller);
      const state = result.ok ? 'open' : result.state;
      states.set(state, (states.get(state) ?? 0) + 1);
      active--;
      if (++done === targets.length) finish();
      else setImmediate(startMore);
    });
  }
}

function finish(): void {
  clearTimeout(deadline);
  const probingMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  // The sockets closing gently are released within their grace: wait for it, so that their
  // cost is counted too, then report.
  setTimeout(() => {
    const all = process.cpuUsage(cpuAtStart);
    process.stdout.write(
      `${JSON.stringify({
        probes: targets.length,
        probingMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        cpuWithCloseMs: (all.user + all.system) / 1000,
        systemMs: all.system / 1000,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
        states: Object.fromEntries(states),
      })}\n`,
    );
    process.exit(0);
  }, 400);
}

startMore();
