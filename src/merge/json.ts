import type { CoverageReport } from './types.js';

/**
 * The merged report as JSON: indented by two spaces, except each host, path and unmatched result,
 * which is one line. A diff of two merges then shows one line per path that changed, and a large
 * deployment's file is much smaller (docs/benchmarks.md).
 * Keys come in the order of ./types.ts, as mergeReports builds them.
 */
export function formatCoverageJson(report: CoverageReport): string {
  const lists = { hosts: report.hosts, paths: report.paths, unmatched: report.unmatched } as const;
  const placeholders = Object.fromEntries(Object.keys(lists).map((key) => [key, `${PLACEHOLDER}${key}`]));
  let text = JSON.stringify({ ...report, ...placeholders }, null, 2);
  for (const [key, items] of Object.entries(lists) as [keyof typeof lists, readonly unknown[]][]) {
    // Matched with the key and its indent: no string value (all escaped by JSON.stringify) can be taken for it.
    const line = `\n  ${JSON.stringify(key)}: ${JSON.stringify(`${PLACEHOLDER}${key}`)}`;
    const body = items.length === 0 ? '[]' : `[\n    ${items.map((item) => JSON.stringify(item)).join(',\n    ')}\n  ]`;
    const at = text.indexOf(line);
    text = `${text.slice(0, at)}\n  ${JSON.stringify(key)}: ${body}${text.slice(at + line.length)}`;
  }
  return `${text}\n`;
}

const PLACEHOLDER = 'psm-netcheck:';
