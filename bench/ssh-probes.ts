import { performance } from 'node:perf_hooks';
import sshProbe from '../probes/ssh.js';
import { deadlineSignal } from '../src/core/abort.js';
import type { ProbeFacts } from '../src/core/probe.js';
import pino from 'pino';

/**
 * The ssh probe alone (identification line, key exchange, host key checked against its pin,
 * DISCONNECT), COUNT times against one simulated server (bench/ssh-peer.ts) at CONCURRENCY, for
 * comparing the prober's CPU per probe between two builds (ssh2 with and without a change).
 *
 *   node dist/bench/ssh-probes.js PORT FINGERPRINT [COUNT] [CONCURRENCY] [TIMEOUT_MS]
 * Prints one JSON line: CPU per probe, wall, peak RSS, the count of each reason.
 */
const [portText = '22', fingerprint = '', countText = '300', concurrencyText = '8', timeoutText = '20000'] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const timeoutMs = Number(timeoutText);
const log = pino({ level: 'silent' });
const options = sshProbe.optionsSchema.parse({ hostKey: fingerprint });
const target = { host: 'bench-peer', address: '127.0.0.1', port, transport: 'tcp' as const };

async function once(): Promise<ProbeFacts> {
  const deadline = deadlineSignal(timeoutMs);
  try {
    return await sshProbe.run(target, { signal: deadline.signal, timeoutMs, options, credentials: {}, maxBytes: 65536, log });
  } finally {
    deadline.cancel();
  }
}

await sshProbe.prepare?.();
// Warm up (the JIT, the first key exchange's lazily built tables), then measure.
for (let i = 0; i < 10; i++) await once();
const reasons = new Map<string, number>();
let next = 0;
const started = performance.now();
const cpuAtStart = process.cpuUsage();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      const facts = await once();
      reasons.set(facts.reason, (reasons.get(facts.reason) ?? 0) + 1);
    }
  }),
);
const cpu = process.cpuUsage(cpuAtStart);
process.stdout.write(
  `${JSON.stringify({
    probes: count,
    cpuPerProbeUs: (cpu.user + cpu.system) / count,
    wallMs: performance.now() - started,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    reasons: Object.fromEntries(reasons),
  })}\n`,
);
process.exit(0);
