import type { PlannedProbe } from '../planner/types.js';

/**
 * The per-host limit protects a network element, not an inventory entry: two inventory hosts on
 * one address (credential variants, say) are one element, and one host's several addresses
 * (IPv4 and IPv6) are one element too. Hosts and addresses are joined (union-find) through every
 * probe that links a host name to an address; each probe's key is its element's representative.
 */
export function elementKeys(probes: readonly Pick<PlannedProbe, 'target' | 'address'>[]): string[] {
  const parent = new Map<string, string>();
  const find = (node: string): string => {
    let root = node;
    for (let up = parent.get(root); up !== undefined && up !== root; up = parent.get(root)) root = up;
    // Path compression: later look-ups of this chain take one step.
    for (let at = node; at !== root; ) {
      const next = parent.get(at) ?? root;
      parent.set(at, root);
      at = next;
    }
    return root;
  };
  const join = (a: string, b: string): void => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  // Prefixes keep a host named like an address apart from that address.
  for (const probe of probes) join(`host:${probe.target}`, `address:${probe.address.toLowerCase()}`);
  return probes.map((probe) => find(`host:${probe.target}`));
}
