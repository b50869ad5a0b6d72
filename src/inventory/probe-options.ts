import { PROBE_KINDS, PROBES, type ProbeKind } from '../../probes/registry.js';
import type { Problem } from './problem.js';
import { isMap, listAt, mapAt, type RawMap } from './raw.js';
import { parseWithProblems } from './zod-problems.js';

export type ProbeOptionsByKind = Partial<Record<ProbeKind, Record<string, unknown>>>;

/**
 * Probe options as the user wrote them (not parsed): the planner runs each probe's own schema on
 * them, which fills its defaults and applies its transforms exactly once.
 */
export function rawProbeOptions(section: RawMap | undefined): ProbeOptionsByKind {
  const options: ProbeOptionsByKind = {};
  for (const kind of PROBE_KINDS) {
    const value = section?.[kind];
    if (isMap(value)) options[kind] = { ...value };
  }
  return options;
}

/** A host's options over the global ones, key by key within each probe kind. */
export function mergeProbeOptions(global: ProbeOptionsByKind, host: ProbeOptionsByKind): ProbeOptionsByKind {
  const merged: ProbeOptionsByKind = {};
  for (const kind of PROBE_KINDS) {
    if (global[kind] || host[kind]) merged[kind] = { ...global[kind], ...host[kind] };
  }
  return merged;
}

/**
 * The schema accepts probe options key by key; a probe's whole schema (cross-field rules included)
 * can only judge the merged result, so it runs here once per host. A problem points at the host's
 * setting when the host has that key, else at the global one.
 */
export function checkMergedProbeOptions(data: unknown): Problem[] {
  const global = rawProbeOptions(mapAt(data, 'probes'));
  const problems: Problem[] = [];
  listAt(data, 'hosts').forEach((host, hostIndex) => {
    const own = rawProbeOptions(mapAt(host, 'probes'));
    const merged = mergeProbeOptions(global, own);
    for (const [kind, options] of Object.entries(merged) as [ProbeKind, Record<string, unknown>][]) {
      const schema = PROBES[kind].optionsSchema;
      const result = parseWithProblems(schema, options);
      if (result.success) continue;
      for (const problem of result.problems) {
        const key = problem.path[0];
        const onHost = own[kind] !== undefined && (key === undefined || Object.hasOwn(own[kind], key));
        const base = onHost ? ['hosts', hostIndex, 'probes', kind] : ['probes', kind];
        problems.push({ ...problem, path: [...base, ...problem.path] });
      }
    }
  });
  return problems;
}
