import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { BENCH_DIR } from './measure.js';
import { startDaemon, type Daemon } from './netns.js';

/**
 * The full suite's elements: the lab (src/lab) split over several processes, merged into one
 * inventory. One lab process binds every listener of its elements on their own addresses (about
 * 3.8 descriptors an element), and a process here may hold at most 20,000 descriptors (the hard
 * limit, which the sandbox does not let root raise): 5,000 elements' 19,000 listeners would leave
 * no room for the prober's thousands of connections. So each process carries at most
 * ELEMENTS_PER_LAB elements, on its own 127.<base>.x.y range, with its own secrets; the merged
 * inventory gives each process's elements that process's credential sets.
 */
export const ELEMENTS_PER_LAB = 2000;

export interface LabFleet {
  readonly inventory: string;
  readonly daemons: readonly Daemon[];
  /** CPU time (ms) the simulated network has used so far. */
  cpuMs(): number;
  stop(): Promise<void>;
}

type Wrap = (command: string, args: readonly string[]) => [string, string[]];

export async function startLabFleet(elements: number, dir: string, wrap: Wrap, realPorts: boolean): Promise<LabFleet> {
  const count = Math.max(1, Math.ceil(elements / ELEMENTS_PER_LAB));
  const daemons: Daemon[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(daemons.map((d) => d.stop()));
  };
  try {
    const started = await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const share = Math.floor(elements / count) + (i < elements % count ? 1 : 0);
        const labDir = path.join(dir, `lab-${i + 1}`);
        mkdirSync(labDir, { recursive: true });
        const script = path.join(BENCH_DIR, 'lab-peers.js');
        const args = [script, String(share), labDir, `127.${77 + i}`, realPorts ? 'real-ports' : 'moved-ports'];
        return startDaemon(wrap(process.execPath, args), 300_000);
      }),
    );
    daemons.push(...started);
    const inventory = path.join(dir, 'inventory.yaml');
    writeFileSync(inventory, mergeInventories(started.map((d) => d.ready)));
    return { inventory, daemons, cpuMs: () => daemons.reduce((sum, d) => sum + processCpuMs(d.child.pid), 0), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface RawInventory {
  credentials: Record<string, unknown>;
  hosts: Array<Record<string, unknown>>;
  paths?: unknown[];
  [key: string]: unknown;
}

/**
 * The first lab whole; of every other one its network elements only, renamed (`<name>-l2`), with
 * that lab's credential sets (suffixed) named on each element and its secret files by absolute path.
 */
function mergeInventories(files: readonly string[]): string {
  const [first, ...rest] = files.map((file) => ({ file, doc: absoluteSecrets(parse(readFileSync(file, 'utf8')) as RawInventory, path.dirname(file)) }));
  if (first === undefined) throw new Error('no lab');
  const merged = first.doc;
  rest.forEach(({ doc }, i) => {
    const suffix = `-l${i + 2}`;
    for (const [name, set] of Object.entries(doc.credentials)) merged.credentials[`${name}${suffix}`] = set;
    for (const host of doc.hosts) {
      if (host.role !== 'network-element') continue;
      const own = Array.isArray(host.credentials) ? (host.credentials as string[]) : [];
      merged.hosts.push({
        ...host,
        name: `${String(host.name)}${suffix}`,
        // The role defaults name the first lab's sets; these, named after them, win per slot.
        credentials: ['ne-ssh', 'ne-snmp', ...own].map((set) => `${set}${suffix}`),
      });
    }
  });
  return stringify(merged, { lineWidth: 0 });
}

function absoluteSecrets(doc: RawInventory, dir: string): RawInventory {
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
        key,
        key === 'file' && typeof inner === 'string' ? path.resolve(dir, inner) : visit(inner),
      ]);
      return Object.fromEntries(entries);
    }
    return value;
  };
  return { ...doc, credentials: visit(doc.credentials) as Record<string, unknown> };
}

/** utime + stime of a process, in ms (USER_HZ is 100 on Linux); 0 when it is gone. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
