import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, runChild } from './measure.js';

/**
 * `psm-netcheck rules` on a large deployment, each run in a fresh process:
 *
 *   npm run build --silent && node dist/bench/rules.js [elements=5000] [runs=3]
 *
 * The inventory: 2 PSM servers, 2 client sites, and ELEMENTS network elements of the five types in
 * turn, numbered in a row per type with a gap every 250 (sites), every tenth with an IPv6 address
 * too (private and documentation addresses, as text: nothing is sent). Per run: loading the inventory, building the entries (the matrix's expansion and the
 * aggregation), then writing every format, each timed, with the paths, the entries and the size of
 * each output, and the process's peak RSS (Node included). As root with nft on PATH, the nftables
 * file is also given to `nft -c -f` (checked, never loaded) in a network namespace of its own
 * (`unshare -n`). Not part of `npm run bench`: it measures one command, for src/rules.
 */

const THIS_FILE = fileURLToPath(import.meta.url);
const NE_TYPES = ['bti7800', 'juniper-mx', 'bti7000', 'bti700', 'bti800'] as const;
const FORMATS = ['markdown', 'csv', 'json', 'nft', 'iptables', 'ip6tables'] as const;

interface Sample {
  readonly loadMs: number;
  readonly buildMs: number;
  readonly formatMs: Record<string, number>;
  readonly bytes: Record<string, number>;
  readonly paths: number;
  readonly entries: number;
  readonly peakRssMB: number;
}

function inventoryText(elements: number): string {
  const lines = [
    'name: bench-rules',
    'hosts:',
    '  - { name: psm-1, role: psm-server, addresses: [10.0.0.10, "2001:db8::10"], services: [ntp, sftp] }',
    '  - { name: psm-2, role: psm-server, addresses: [10.0.0.11, "2001:db8::11"], services: [ntp, sftp] }',
    '  - { name: site-a, role: psm-client, addresses: [10.0.1.20] }',
    '  - { name: site-b, role: psm-client, addresses: [10.0.2.20, "2001:db8:2::20"] }',
  ];
  for (let i = 0; i < elements; i++) {
    const type = NE_TYPES[i % NE_TYPES.length] ?? 'bti700';
    // Per type a row of consecutive addresses, a gap of one after every 250 (another site).
    const index = Math.floor(i / NE_TYPES.length);
    const n = index + Math.floor(index / 250);
    const v4 = `10.${10 + (i % NE_TYPES.length)}.${Math.floor(n / 256)}.${n % 256}`;
    const v6 = i % 10 === 0 ? `, "2001:db8:10::${i.toString(16)}"` : '';
    lines.push(`  - { name: ne-${i + 1}, role: network-element, neType: ${type}, addresses: [${v4}${v6}] }`);
  }
  return `${lines.join('\n')}\n`;
}

async function child(file: string): Promise<void> {
  const { loadInventory } = await import('../src/inventory/load.js');
  const { buildRules } = await import('../src/rules/build.js');
  const { RULES_FORMATS } = await import('../src/rules/formats.js');
  const started = performance.now();
  const inventory = await loadInventory(file, { requireSecrets: false, env: {} });
  const loaded = performance.now();
  const rules = buildRules(inventory, { inventoryLabel: 'bench-rules.yaml' });
  const built = performance.now();
  const formatMs: Record<string, number> = {};
  const bytes: Record<string, number> = {};
  for (const format of FORMATS) {
    const before = performance.now();
    const text = RULES_FORMATS[format].format(rules);
    formatMs[format] = performance.now() - before;
    bytes[format] = Buffer.byteLength(text);
    if (format === 'nft') writeFileSync(path.join(path.dirname(file), 'rules.nft'), text);
  }
  const sample: Sample = {
    loadMs: loaded - started,
    buildMs: built - loaded,
    formatMs,
    bytes,
    paths: rules.summary.paths,
    entries: rules.summary.entries,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

async function main(): Promise<void> {
  const elements = Number(process.argv[2] ?? 5000);
  const runs = Number(process.argv[3] ?? 3);
  const dir = mkdtempSync(path.join(tmpdir(), 'psm-netcheck-rules-bench-'));
  try {
    const file = path.join(dir, 'inventory.yaml');
    writeFileSync(file, inventoryText(elements));
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      const result = await runChild([process.execPath, [THIS_FILE, '--child', file]], 300_000);
      if (result.code !== 0) throw new Error(`child failed: ${result.stderr}`);
      samples.push(JSON.parse(result.stdout) as Sample);
    }
    const first = samples[0];
    if (first === undefined) return;
    const med = (pick: (s: Sample) => number): string => median(samples.map(pick)).toFixed(0);
    console.log(`rules: ${elements} elements + 4 PSM hosts, ${first.paths} paths -> ${first.entries} entries; ${runs} fresh processes, medians`);
    console.log(`  load ${med((s) => s.loadMs)} ms, build ${med((s) => s.buildMs)} ms, peak RSS ${med((s) => s.peakRssMB)} MB`);
    for (const format of FORMATS) {
      console.log(`  ${format}: ${med((s) => s.formatMs[format] ?? NaN)} ms, ${((first.bytes[format] ?? 0) / 1024).toFixed(0)} KiB`);
    }
    // nft's own check of the file, where nothing can be changed: a network namespace of its own.
    if (process.getuid?.() === 0) {
      const before = performance.now();
      const nft = spawnSync('unshare', ['-n', 'nft', '-c', '-f', path.join(dir, 'rules.nft')], { encoding: 'utf8', timeout: 120_000 });
      const verdict = nft.status === 0 ? 'accepted' : `refused (${nft.error?.message ?? nft.stderr.trim().split('\n')[0] ?? ''})`;
      console.log(`  nft -c -f (unshare -n): ${verdict}, ${(performance.now() - before).toFixed(0)} ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] ?? '');
else await main();
