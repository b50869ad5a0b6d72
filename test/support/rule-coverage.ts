import type { ProbeResult } from '../../src/report/types.js';
import type { RuleEntry } from '../../src/rules/types.js';

/**
 * Which generated firewall entry lets a probe through, for the tests that take one rule out of
 * the firewall and expect exactly its paths to fail (test/real/rules-firewall.test.ts,
 * test/real/ansible-deployment.test.ts).
 */

/** `198.51.100.10 tcp/22`, `2001:db8:1::10 icmp`. */
export function resultKey(result: ProbeResult): string {
  return `${result.address} ${result.transport}${result.port === null ? '' : `/${result.port}`}`;
}

/** Whether an entry lets this vantage's probe through: its source host, the target address, protocol and port. */
export function covers(entry: RuleEntry, vantage: string, result: ProbeResult): boolean {
  if (entry.protocol !== result.transport) return false;
  if (!entry.sources.some((s) => s.host === vantage)) return false;
  if (!entry.destinations.some((d) => d.addresses.includes(result.address))) return false;
  if (result.port === null) return entry.protocol === 'icmp';
  const port = result.port;
  return entry.ports.some((spec) => {
    const [from = '', to = from] = spec.split('-');
    return port >= Number(from) && port <= Number(to);
  });
}
