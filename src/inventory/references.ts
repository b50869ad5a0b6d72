import type { Problem } from './problem.js';
import { isMap, listAt, mapAt } from './raw.js';
import type { DataPath } from './yaml-locate.js';

/**
 * Checks between sections that a schema cannot express: unique host and path names, credential
 * set names that exist, paths between declared hosts. Runs on the raw data so that these errors
 * come with the schema's in one report.
 *
 * `where(path)` gives "file:line:col" of a node, to point from a duplicate to the first one.
 */
export function checkReferences(data: unknown, where: (path: DataPath) => string): Problem[] {
  const problems: Problem[] = [];
  const hosts = listAt(data, 'hosts');

  const hostNames = uniqueNames(hosts, 'hosts', 'host', where, problems);

  const sets = mapAt(data, 'credentials') ?? {};
  const setNames = Object.keys(sets);
  const checkSet = (name: unknown, path: DataPath) => {
    if (typeof name !== 'string' || Object.hasOwn(sets, name)) return;
    const known = setNames.length > 0 ? `defined: ${setNames.join(', ')}` : 'no credential sets are defined';
    problems.push({ path, target: 'value', message: `unknown credential set "${name}" (${known})` });
  };
  const roleDefaults = mapAt(mapAt(data, 'defaults'), 'credentials') ?? {};
  for (const [role, names] of Object.entries(roleDefaults)) {
    if (Array.isArray(names)) names.forEach((name, index) => checkSet(name, ['defaults', 'credentials', role, index]));
  }
  hosts.forEach((host, hostIndex) => {
    listAt(host, 'credentials').forEach((name, index) => checkSet(name, ['hosts', hostIndex, 'credentials', index]));
  });

  const paths = listAt(data, 'paths');
  uniqueNames(paths, 'paths', 'path', where, problems);
  paths.forEach((path, index) => {
    if (!isMap(path)) return;
    for (const end of ['from', 'to'] as const) {
      const name = path[end];
      if (typeof name === 'string' && !hostNames.has(name)) {
        problems.push({ path: ['paths', index, end], target: 'value', message: `unknown host "${name}"` });
      }
    }
  });
  return problems;
}

/** Reports every repeat of a `name` in a list; returns the set of names. */
function uniqueNames(
  items: readonly unknown[],
  section: string,
  what: string,
  where: (path: DataPath) => string,
  problems: Problem[],
): Set<string> {
  const first = new Map<string, number>();
  items.forEach((item, index) => {
    const name = isMap(item) ? item.name : undefined;
    if (typeof name !== 'string') return;
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, index);
    } else {
      problems.push({
        path: [section, index, 'name'],
        target: 'value',
        message: `duplicate ${what} name "${name}" (first declared at ${where([section, earlier])})`,
      });
    }
  });
  return new Set(first.keys());
}
