import type { Inventory } from './types.js';

/** An address that more than one host of the inventory has. */
export interface SharedAddress {
  readonly address: string;
  /** Host names, in inventory order. */
  readonly hosts: readonly string[];
}

/**
 * Addresses that several hosts share. Allowed (a PSM server and its NTP server on one machine, a
 * NAT address), but worth a note: a probe to one of them tests every host behind it.
 */
export function sharedAddresses(inventory: Pick<Inventory, 'hosts'>): SharedAddress[] {
  const byAddress = new Map<string, string[]>();
  for (const host of inventory.hosts) {
    for (const address of new Set(host.addresses.map((entry) => entry.toLowerCase()))) {
      const names = byAddress.get(address);
      if (names === undefined) byAddress.set(address, [host.name]);
      else names.push(host.name);
    }
  }
  return [...byAddress].filter(([, hosts]) => hosts.length > 1).map(([address, hosts]) => ({ address, hosts }));
}
