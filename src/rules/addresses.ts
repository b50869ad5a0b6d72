import { isIPv4, isIPv6 } from 'node:net';
import type { RuleEndpoint } from './types.js';

/** The addresses of one family of some endpoints, and the DNS names a firewall cannot take. */
export interface FamilyAddresses {
  readonly v4: readonly string[];
  readonly v6: readonly string[];
  /** `host (name)`: a firewall rule needs an address, and a name may resolve to several. */
  readonly names: readonly string[];
}

export function byFamily(endpoints: readonly RuleEndpoint[]): FamilyAddresses {
  const v4 = new Set<string>();
  const v6 = new Set<string>();
  const names: string[] = [];
  for (const endpoint of endpoints) {
    for (const address of endpoint.addresses) {
      if (isIPv4(address)) v4.add(address);
      else if (isIPv6(address)) v6.add(address.toLowerCase());
      else names.push(`${endpoint.host} (${address})`);
    }
  }
  return { v4: [...v4], v6: [...v6], names };
}

/**
 * IPv4 addresses as few items as possible: runs of consecutive addresses become `a-b` ranges
 * (nft sets and iptables' iprange take them), the rest stay single, ascending. A deployment's
 * elements are often numbered in a row: 3,000 of them can be one item.
 */
export function ipv4Items(addresses: readonly string[]): string[] {
  const numbers = [...new Set(addresses.map(ipv4ToNumber))].sort((a, b) => a - b);
  const items: string[] = [];
  let start: number | undefined;
  let previous = -2;
  const close = (): void => {
    if (start === undefined) return;
    items.push(start === previous ? numberToIpv4(start) : `${numberToIpv4(start)}-${numberToIpv4(previous)}`);
  };
  for (const value of numbers) {
    if (value !== previous + 1) {
      close();
      start = value;
    }
    previous = value;
  }
  close();
  return items;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Items of one family for a rule: IPv4 collapsed into ranges, IPv6 as they are. */
export function familyItems(addresses: FamilyAddresses, family: 4 | 6): string[] {
  return family === 4 ? ipv4Items(addresses.v4) : [...addresses.v6];
}
