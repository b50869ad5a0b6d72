import { isIP } from 'node:net';
import type { Host } from '../inventory/types.js';

/**
 * Which of a target's addresses a vantage can probe: those of an address family the vantage has
 * in the inventory. A host given only IPv4 addresses sends nothing to its targets' IPv6 addresses
 * (the machine may well have an IPv6 address the inventory does not give, but a firewall rule
 * written from the inventory, `psm-netcheck rules`, has no source for it, and PSM itself would not
 * use it). A target's DNS names are always kept: the resolver picks the family at run time.
 *
 * When the vantage's families are unknown (it is named by a DNS name, or has no address at all),
 * every address is probed, as before: nothing in the inventory says what it can reach.
 *
 * One function for the planner (what `check` probes), the deployment paths (what `merge` expects
 * to see tested) and, by the same rule, the rules (an nft or iptables rule needs both ends in one
 * family, src/rules/addresses.ts), so the three never disagree.
 */
export function reachableAddresses(from: Host, to: Host): readonly string[] {
  const families = addressFamilies(from);
  if (families === undefined) return to.addresses;
  if (to.addresses.every((address) => familyAllowed(families, address))) return to.addresses;
  return to.addresses.filter((address) => familyAllowed(families, address));
}

/** 4 and/or 6; undefined when any address is a DNS name or there is none. */
export function addressFamilies(host: Host): ReadonlySet<4 | 6> | undefined {
  const cached = cache.get(host);
  if (cached !== undefined) return cached === UNKNOWN ? undefined : cached;
  const families = new Set<4 | 6>();
  let known = host.addresses.length > 0;
  for (const address of host.addresses) {
    const family = isIP(address);
    if (family === 4 || family === 6) families.add(family);
    else known = false;
  }
  cache.set(host, known ? families : UNKNOWN);
  return known ? families : undefined;
}

/**
 * Why a target has no address this vantage can probe (every one is of the other family), or
 * undefined when it has one.
 */
export function noCommonFamily(from: Host, to: Host): string | undefined {
  if (to.addresses.length === 0 || reachableAddresses(from, to).length > 0) return undefined;
  const fromFamilies = addressFamilies(from);
  const toFamily = isIP(to.addresses[0] ?? '');
  const only = (set: ReadonlySet<4 | 6> | undefined): string => (set === undefined ? 'unknown' : [...set].map((f) => `IPv${f}`).join(' and '));
  return `${from.name} has only ${only(fromFamilies)} addresses in the inventory and ${to.name} only IPv${toFamily}: no probe (and no firewall rule) can join two address families`;
}

const UNKNOWN = new Set<4 | 6>();
/** Per host object: the planner asks once per row and target, a large inventory has thousands. */
const cache = new WeakMap<Host, ReadonlySet<4 | 6>>();

function familyAllowed(families: ReadonlySet<4 | 6>, address: string): boolean {
  const family = isIP(address);
  return family === 0 || families.has(family === 4 ? 4 : 6);
}
