import { VERDICTS, type Verdict } from '../core/model.js';
import { SEED_TABLES } from './paths.js';
import type { Report } from './types.js';
import { worstVerdict } from './verdicts.js';

/** How one of the vendor's port tables (or the inventory's own paths) fared in a run. */
export interface TableHealth {
  /** 1-8, or null for the paths only the inventory declares. */
  readonly table: number | null;
  readonly title: string;
  /** Results by verdict. A result that verifies rows of two tables counts in both. */
  readonly results: Readonly<Record<Verdict, number>>;
  readonly notTestable: number;
  /** The worst verdict among the results; undefined when nothing of the table was tested. */
  readonly verdict: Verdict | undefined;
}

const INVENTORY_TITLE = 'paths declared in the inventory';

/**
 * One entry per table of the vendor's port tables (PSM Networking Considerations, Tables 1-8),
 * always all eight in order so that the answer to "which tables are healthy" reads the same in
 * every run, then the inventory's own paths when there are any.
 */
export function tableHealth(report: Pick<Report, 'results' | 'notTestable'>): TableHealth[] {
  const tables = Object.keys(SEED_TABLES).map(Number);
  const counts = new Map<number | null, { results: Record<Verdict, number>; notTestable: number }>();
  const entry = (table: number | null) => {
    let found = counts.get(table);
    if (found === undefined) {
      found = { results: Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>, notTestable: 0 };
      counts.set(table, found);
    }
    return found;
  };
  for (const table of tables) entry(table);
  for (const result of report.results) {
    const own = [...new Set(result.tables.filter((table) => table > 0))];
    if (own.length === 0) entry(null).results[result.verdict]++;
    for (const table of own) entry(table).results[result.verdict]++;
  }
  for (const path of report.notTestable) entry(path.table > 0 ? path.table : null).notTestable++;

  return [...counts.entries()]
    .sort(([a], [b]) => (a ?? Number.MAX_SAFE_INTEGER) - (b ?? Number.MAX_SAFE_INTEGER))
    .map(([table, { results, notTestable }]) => ({
      table,
      title: table === null ? INVENTORY_TITLE : (SEED_TABLES[table]?.title ?? `table ${table}`),
      results,
      notTestable,
      verdict: worstVerdict(VERDICTS.filter((verdict) => results[verdict] > 0)),
    }));
}
