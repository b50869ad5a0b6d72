import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, runChild, type Wrap } from './measure.js';
import { createNamespace, namespaceUnavailable, startDaemon } from './netns.js';

/**
 * Public APIs against the internals they replaced (PSM_NETCHECK_INTERNALS=1), one item at a time,
 * in alternating runs (public, internals, public, ...) so that the load of a shared machine falls
 * on both alike. Each run is a process of its own; with --callgrind each is also counted in
 * instructions (valgrind --tool=callgrind), which other load does not change.
 *
 *   node dist/bench/public-apis.js tcp  [--pairs 5] [--hosts 5000] [--callgrind-hosts 500]
 *   node dist/bench/public-apis.js icmp [--pairs 5] [--count 3000] [--busy 0.66]
 * Prints one JSON line per run, then the medians of each variant.
 *
 * The third item of issue 15, ssh2's key prototype rewritten to sign and verify through KeyObjects,
 * was measured the same way (an `ssh` item: bench/ssh-probes.ts against bench/ssh-peer.ts, prober
 * and server CPU per key exchange) at the commit that put it behind the switch, then removed.
 * bench/ssh-probes.ts still measures the ssh probe's CPU, e.g. against a patched ssh2.
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    pairs: { type: 'string', default: '5' },
    hosts: { type: 'string', default: '5000' },
    count: { type: 'string' },
    busy: { type: 'string', default: '0' },
    callgrind: { type: 'boolean', default: false },
    'callgrind-hosts': { type: 'string', default: '500' },
  },
});
const item = positionals[0] ?? 'tcp';
const pairs = Number(values.pairs);
const VARIANTS = ['public', 'internals'] as const;
type Variant = (typeof VARIANTS)[number];

const why = namespaceUnavailable();
if (why !== undefined) throw new Error(`needs a network namespace of its own: ${why}`);
const ns = createNamespace();
const wrap: Wrap = (command, args) => ns.wrap(command, args);
const work = mkdtempSync(path.join(tmpdir(), 'psm-public-apis-'));
process.once('exit', () => rmSync(work, { recursive: true, force: true }));

type Row = Record<string, number | string | Record<string, number>>;

async function child(variant: Variant, script: string, args: readonly string[], callgrind: boolean): Promise<Row> {
  const node = [process.execPath, path.join(BENCH_DIR, script), ...args];
  const out = path.join(work, `callgrind.${variant}.${Date.now()}`);
  const argv = callgrind ? ['valgrind', '--tool=callgrind', `--callgrind-out-file=${out}`, ...node] : node;
  // The environment reaches the child through `env` (ip netns exec keeps it).
  const env = variant === 'internals' ? 'PSM_NETCHECK_INTERNALS=1' : 'PSM_NETCHECK_INTERNALS=0';
  const result = await runChild(wrap('env', [env, ...argv]), callgrind ? 1_800_000 : 300_000);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.code !== 0 || !line.startsWith('{')) throw new Error(`${script} failed (${String(result.code)}):\n${result.stderr.slice(-3000)}`);
  const row: Row = { variant, ...(JSON.parse(line) as Row) };
  if (callgrind) row.instructionsM = callgrindTotal(out) / 1e6;
  return row;
}

/** The total instruction count of a callgrind output file (its `summary:` or `totals:` line). */
function callgrindTotal(file: string): number {
  const text = readFileSync(file, 'utf8');
  const match = /^(?:summary|totals): (\d+)/m.exec(text);
  if (match === null) throw new Error(`no total in ${file}`);
  return Number(match[1]);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function summarize(rows: readonly Row[]): void {
  for (const variant of VARIANTS) {
    const mine = rows.filter((row) => row.variant === variant);
    const keys = Object.keys(mine[0] ?? {}).filter((key) => typeof mine[0]?.[key] === 'number');
    const summary: Record<string, string> = {};
    for (const key of keys) {
      const all = mine.map((row) => row[key] as number);
      summary[key] = `${median(all).toFixed(2)} (${Math.min(...all).toFixed(2)}-${Math.max(...all).toFixed(2)})`;
    }
    console.log(JSON.stringify({ variant, runs: mine.length, median: summary }));
  }
}

async function alternate(run: (variant: Variant, callgrind: boolean) => Promise<Row>): Promise<void> {
  const rows: Row[] = [];
  for (let i = 0; i < pairs; i++) {
    // Alternate which variant goes first too, so neither always follows the other.
    const order = i % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) {
      const row = await run(variant, false);
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  }
  summarize(rows);
  if (values.callgrind) {
    const counted: Row[] = [];
    for (const variant of VARIANTS) {
      const row = await run(variant, true);
      console.log(JSON.stringify(row));
      counted.push(row);
    }
  }
}

async function tcp(): Promise<void> {
  const peers = await startDaemon(wrap(process.execPath, [path.join(BENCH_DIR, 'tcp-peers.js'), '22,2022,2024', '3083']), 30_000);
  try {
    // Each run on addresses of its own (127.B.x.y): the TIME-WAIT entries of the run before stay a minute.
    let block = 0;
    await alternate((variant, callgrind) => {
      const hosts = callgrind ? (values['callgrind-hosts'] ?? '500') : (values.hosts ?? '5000');
      // A generous deadline: on a loaded machine a run is slow, and a probe cut short would be counted as filtered.
      const timeoutMs = callgrind ? '1200000' : '120000';
      block = (block % 250) + 1;
      return child(variant, 'connect-only.js', [hosts, '22,2022,2024,3083,23,830', '4096', timeoutMs, String(block)], callgrind);
    });
  } finally {
    await peers.stop();
  }
}

async function icmp(): Promise<void> {
  // The kernel of the namespace answers every echo; each run pings addresses of its own.
  let block = 0;
  await alternate((variant, callgrind) => {
    block = (block % 250) + 1;
    const count = values.count ?? '3000';
    return child(variant, 'icmp-echo.js', [count, values.busy ?? '0', callgrind ? '600000' : '2000', String(block)], callgrind);
  });
}

const items: Record<string, () => Promise<void>> = { tcp, icmp };
const run = items[item];
if (run === undefined) throw new Error(`unknown item ${item}: one of ${Object.keys(items).join(', ')}`);
try {
  await run();
} finally {
  ns.destroy();
}
