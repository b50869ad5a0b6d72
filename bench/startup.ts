import { NE_TYPES } from '../src/core/model.js';
import { parseInventory } from '../src/inventory/load.js';
import { planChecks } from '../src/planner/plan.js';
import { findVantage } from '../src/planner/vantage.js';
import { planningInventory, VANTAGE_NAME } from './fleet.js';
import { median, runChild, CLI } from './measure.js';

/** `psm-netcheck --version`, start to exit, `times` times: median and slowest, ms. */
export async function versionTime(times: number): Promise<{ medianMs: number; maxMs: number }> {
  const walls: number[] = [];
  for (let i = 0; i < times; i++) {
    const result = await runChild([process.execPath, [CLI, '--version']], 30_000);
    if (result.code !== 0) throw new Error(`psm-netcheck --version failed: ${result.stderr}`);
    walls.push(result.wallMs);
  }
  return { medianMs: median(walls), maxMs: Math.max(...walls) };
}

/**
 * Planning `elements` network elements of every type (every server -> NE row), in this process:
 * the first call (cold: the planner's code not yet optimised) and the median of the next ones.
 * Loading the inventory is not part of it (timed separately).
 */
export function planningTime(elements: number, times: number): { firstMs: number; medianMs: number; loadMs: number; probes: number } {
  let started = performance.now();
  const inventory = parseInventory(planningInventory(elements, NE_TYPES), '<bench planning>', '.', { requireSecrets: false });
  const loadMs = performance.now() - started;
  const vantage = findVantage(inventory, VANTAGE_NAME);
  const walls: number[] = [];
  let probes = 0;
  for (let i = 0; i < times; i++) {
    started = performance.now();
    probes = planChecks(inventory, vantage).probes.length;
    walls.push(performance.now() - started);
  }
  return { firstMs: walls[0] ?? NaN, medianMs: median(walls.slice(1)), loadMs, probes };
}
