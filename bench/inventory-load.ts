import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetInventory, makeFleet } from './fleet.js';
import { median, runChild } from './measure.js';

/**
 * Loading a large inventory, the fast path (js-yaml) against the slow one (the `yaml` package, the
 * only reader before it), each run in a fresh process:
 *
 *   npm run build --silent && node dist/bench/inventory-load.js [hosts=5000] [runs=3]
 *
 * Per reader: importing src/inventory/load.js, reading and validating the file, the heap right
 * after (garbage included) and after a full GC (what the process keeps). Not part of `npm run
 * bench`: it measures one function, for src/inventory/fast-parse.ts.
 */

type Reader = 'auto' | 'slow';

interface Sample {
  readonly importMs: number;
  readonly loadMs: number;
  readonly heapMB: number;
  readonly retainedMB: number;
  readonly peakRssMB: number;
  readonly hosts: number;
  readonly yamlLoaded: boolean;
}

const THIS_FILE = fileURLToPath(import.meta.url);

async function child(reader: Reader, file: string): Promise<void> {
  const started = performance.now();
  const load = await import('../src/inventory/load.js');
  const imported = performance.now();
  const options = { requireSecrets: false, env: {} };
  const inventory =
    reader === 'auto'
      ? await load.loadInventory(file, options)
      : load.parseInventoryWith('slow', readFileSync(file, 'utf8'), file, path.dirname(file), options);
  const loaded = performance.now();
  const heap = process.memoryUsage().heapUsed;
  (globalThis as { gc?: () => void }).gc?.();
  const sample: Sample = {
    importMs: imported - started,
    loadMs: loaded - imported,
    heapMB: heap / 2 ** 20,
    retainedMB: process.memoryUsage().heapUsed / 2 ** 20,
    // maxRSS is in kilobytes: the process's peak resident set, Node itself included.
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    hosts: inventory?.hosts.length ?? 0,
    // `yaml` is CommonJS on Node: loaded or not, it shows in require's cache.
    yamlLoaded: Object.keys((await import('node:module')).createRequire(import.meta.url).cache).some((key) =>
      key.includes(`${path.sep}node_modules${path.sep}yaml${path.sep}`),
    ),
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

async function main(): Promise<void> {
  const hosts = Number(process.argv[2] ?? 5000);
  const runs = Number(process.argv[3] ?? 3);
  const dir = mkdtempSync(path.join(tmpdir(), 'psm-netcheck-inventory-bench-'));
  try {
    const file = path.join(dir, 'inventory.yaml');
    writeFileSync(file, fleetInventory(makeFleet(hosts, 0.1)));
    console.log(`inventory: ${hosts} hosts + ${hosts} paths, ${(readFileSync(file).length / 2 ** 20).toFixed(2)} MB; ${runs} fresh processes per reader`);
    for (const reader of ['auto', 'slow'] as const) {
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i++) {
        const result = await runChild([process.execPath, ['--expose-gc', THIS_FILE, '--child', reader, file]], 120_000);
        if (result.code !== 0) throw new Error(`child failed: ${result.stderr}`);
        samples.push(JSON.parse(result.stdout) as Sample);
      }
      const show = (pick: (sample: Sample) => number) => samples.map((sample) => pick(sample).toFixed(0)).join(' / ');
      console.log(
        `${reader === 'auto' ? 'loadInventory (fast path)' : 'slow path only (yaml)'}: ` +
          `import ${show((s) => s.importMs)} ms, load ${show((s) => s.loadMs)} ms (median ${median(samples.map((s) => s.loadMs)).toFixed(0)}), ` +
          `heap ${show((s) => s.heapMB)} MB, peak RSS ${show((s) => s.peakRssMB)} MB, after GC ${show((s) => s.retainedMB)} MB, yaml loaded: ${samples.some((s) => s.yamlLoaded)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] as Reader, process.argv[4] ?? '');
else await main();
