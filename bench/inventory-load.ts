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
 *   (READERS=auto,slow,csv picks the readers; all three by default)
 *
 * Per reader: importing src/inventory/load.js, reading and validating the file, the heap right
 * after (garbage included) and after a full GC (what the process keeps). Not part of `npm run
 * bench`: it measures one function, for src/inventory/fast-parse.ts.
 */

/** auto: loadInventory on the YAML; slow: the `yaml` package only; csv: loadInventory with the hosts in a CSV. */
type Reader = 'auto' | 'slow' | 'csv';

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
    reader !== 'slow'
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
    const fleet = makeFleet(hosts, 0.1);
    writeFileSync(file, fleetInventory(fleet));
    // The same elements as a CSV host list (issue 19 §1): the PSM server in YAML, every NE a row.
    const csvInventory = path.join(dir, 'csv-inventory.yaml');
    writeFileSync(
      csvInventory,
      'hosts:\n  - { name: psm, role: psm-server, addresses: [127.0.0.1] }\n' +
        'hostsFrom:\n  - { file: elements.csv, columns: { name: Element, addresses: IP }, defaults: { role: network-element, neType: bti700 } }\n',
    );
    writeFileSync(path.join(dir, 'elements.csv'), `Element,IP,Site\n${fleet.hosts.map((h) => `${h.name},${h.address},site-${h.name}`).join('\n')}\n`);
    console.log(`inventory: ${hosts} hosts + ${hosts} paths, ${(readFileSync(file).length / 2 ** 20).toFixed(2)} MB; ${runs} fresh processes per reader`);
    const readers = (process.env.READERS ?? 'auto,slow,csv').split(',') as Reader[];
    for (const reader of readers) {
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i++) {
        const input = reader === 'csv' ? csvInventory : file;
        const result = await runChild([process.execPath, ['--expose-gc', THIS_FILE, '--child', reader, input]], 300_000);
        if (result.code !== 0) throw new Error(`child failed: ${result.stderr}`);
        samples.push(JSON.parse(result.stdout) as Sample);
      }
      const show = (pick: (sample: Sample) => number) => samples.map((sample) => pick(sample).toFixed(0)).join(' / ');
      console.log(
        `${{ auto: 'loadInventory (fast path)', slow: 'slow path only (yaml)', csv: `loadInventory, ${hosts} hosts from CSV, no paths` }[reader]}: ` +
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
