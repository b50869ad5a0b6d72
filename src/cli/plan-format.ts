import type { SharedAddress } from '../inventory/shared-addresses.js';
import type { Plan, PlannedProbe } from '../planner/types.js';

/** The plan as plain JSON (no credentials: only whether a host has some, per slot). */
export function planJson(plan: Plan, shared: readonly SharedAddress[] = []): object {
  return {
    vantage: { name: plan.vantage.name, roles: plan.vantage.roles },
    probes: plan.probes.map((p) => ({
      id: p.id,
      rows: p.rows,
      tables: p.tables,
      application: p.application,
      probe: p.probe,
      target: p.target,
      targetRole: p.targetRole,
      address: p.address,
      transport: p.transport,
      port: p.port ?? null,
      expected: p.expected,
      credentials: Object.keys(p.credentials),
    })),
    notTestable: plan.notTestable,
    sharedAddresses: shared,
  };
}

/** A human listing: probes grouped by target, then what cannot be tested from here. */
export function formatPlan(plan: Plan, shared: readonly SharedAddress[] = []): string {
  const lines = [`Plan from ${plan.vantage.name} (${plan.vantage.roles.join(', ')}): ${plan.probes.length} probes`, ''];
  const byTarget = new Map<string, PlannedProbe[]>();
  for (const probe of plan.probes) {
    const list = byTarget.get(probe.target) ?? [];
    list.push(probe);
    byTarget.set(probe.target, list);
  }
  for (const [target, probes] of byTarget) {
    lines.push(`${target} (${probes[0]?.targetRole ?? ''})`);
    for (const run of collapseRanges(probes)) lines.push(`  ${run}`);
  }
  if (plan.notTestable.length > 0) {
    lines.push('', `Not testable from ${plan.vantage.name}: ${plan.notTestable.length}`);
    for (const item of plan.notTestable) {
      const ports = item.ports.length > 0 ? ` ${item.transport}/${item.ports.join(',')}` : ` ${item.transport}`;
      const from = item.testableFrom.length > 0 ? `; test from ${item.testableFrom.join(', ')}` : '';
      const verify = item.verify === undefined ? '' : `; to verify: ${item.verify}`;
      lines.push(`  [T${item.table}] ${item.application}${ports} ${item.from} -> ${item.to}: ${item.why}${from}${verify}`);
    }
  }
  if (shared.length > 0) {
    lines.push('', `Hosts sharing an address: ${shared.length}`);
    for (const entry of shared) lines.push(`  ${entry.address}: ${entry.hosts.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Consecutive ports of the same probe and address print as one range line (9999-10100). */
function collapseRanges(probes: readonly PlannedProbe[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < probes.length) {
    const first = probes[i] as PlannedProbe;
    let j = i;
    while (
      j + 1 < probes.length &&
      probes[j + 1]?.probe === first.probe &&
      probes[j + 1]?.address === first.address &&
      probes[j + 1]?.port !== undefined &&
      probes[j + 1]?.port === (probes[j]?.port ?? NaN) + 1
    ) {
      j++;
    }
    const last = probes[j] as PlannedProbe;
    const port = first.port === undefined ? '' : first.port === last.port ? `/${first.port}` : `/${first.port}-${last.port}`;
    const tables = first.tables.map((t) => (t === 0 ? 'inventory' : `T${t}`)).join(',');
    const expect = first.expected === 'open' ? '' : ` expect ${first.expected}`;
    out.push(`${first.address} ${first.transport}${port} ${first.probe} - ${first.application} [${tables}]${expect}`);
    i = j + 1;
  }
  return out;
}
