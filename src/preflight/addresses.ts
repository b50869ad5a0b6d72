import { isIP } from 'node:net';
import type { Host } from '../inventory/types.js';
import type { PreflightCheck } from '../report/types.js';

const normalize = (address: string): string => address.replace(/%.*$/, '').toLowerCase();

/**
 * Each address the inventory gives this host must be on one of its interfaces: the other hosts
 * will connect to it (and PSM binds it). A DNS name is not resolved here; it is listed as skipped.
 */
export function addressChecks(host: Host, machine: readonly string[]): PreflightCheck[] {
  const mine = new Set(machine.map(normalize));
  return host.addresses.map((address): PreflightCheck => {
    const family = isIP(address);
    const base = { id: `address/${address}`, kind: 'address' as const, rows: [] };
    if (family === 0) {
      return { ...base, verdict: 'skip', message: `${address}: a DNS name, not checked (give IP literals to check them)`, evidence: { address } };
    }
    const present = mine.has(normalize(address));
    return {
      ...base,
      verdict: present ? 'pass' : 'fail',
      message: present
        ? `IPv${family} ${address} is on an interface of this host`
        : `IPv${family} ${address}, which the inventory gives ${host.name}, is on no interface of this host: ` +
          'peers would connect to an address this host does not answer',
      evidence: { address, family: `IPv${family}` },
    };
  });
}
