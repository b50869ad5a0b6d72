import { networkInterfaces } from 'node:os';
import { NetcheckError } from '../core/errors.js';
import type { Host, Inventory } from '../inventory/types.js';

/** This machine's interface addresses (IPv6 without zone), loopback included. */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((entry) => (entry === undefined ? [] : [entry.address.replace(/%.*$/, '').toLowerCase()]));
}

/**
 * The host this run probes from: `--from NAME`, or the one inventory host whose address literals
 * include one of this machine's addresses. DNS names in the inventory are not resolved for this:
 * a vantage named only by DNS needs --from.
 */
export function findVantage(inventory: Inventory, from: string | undefined, machine = localAddresses()): Host {
  if (from !== undefined) {
    const host = inventory.hosts.find((h) => h.name === from);
    if (host === undefined) {
      const names = inventory.hosts.map((h) => h.name).join(', ');
      throw new NetcheckError('E_VANTAGE_UNKNOWN', `--from ${from}: no such host in ${inventory.source} (hosts: ${names})`);
    }
    return host;
  }
  const mine = new Set(machine.map((a) => a.toLowerCase()));
  const matches = inventory.hosts.filter((h) => h.addresses.some((a) => mine.has(a.toLowerCase())));
  if (matches.length === 1 && matches[0] !== undefined) return matches[0];
  if (matches.length === 0) {
    throw new NetcheckError(
      'E_VANTAGE_NOT_FOUND',
      `none of this machine's addresses (${machine.join(', ')}) belongs to a host of ${inventory.source}; ` +
        'name the vantage host with --from NAME',
    );
  }
  throw new NetcheckError(
    'E_VANTAGE_AMBIGUOUS',
    `this machine's addresses match several hosts (${matches.map((h) => h.name).join(', ')}); choose one with --from NAME`,
  );
}
