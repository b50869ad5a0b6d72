import type { Role } from '../core/model.js';
import { plural } from '../report/text.js';
import type { CoverageHost } from './types.js';

/**
 * A role with more hosts than this is shown as one: a matrix of thousands of elements, or a list
 * with a line per element, would bury the few hosts that matter. The JSON report keeps every host.
 */
export const MAX_HOSTS_PER_GROUP = 24;

/** How the human and HTML views name a host: itself, or its role when the role has too many hosts. */
export function hostLabels(hosts: readonly CoverageHost[]): Map<string, string> {
  const counts = new Map<Role, number>();
  for (const host of hosts) counts.set(host.group, (counts.get(host.group) ?? 0) + 1);
  return new Map(
    hosts.map((host) => {
      const count = counts.get(host.group) ?? 0;
      return [host.name, count > MAX_HOSTS_PER_GROUP ? `${host.group} (${plural(count, 'host')})` : host.name];
    }),
  );
}
