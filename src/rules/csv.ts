import { stringify } from 'csv-stringify/sync';
import { TABLE_COLUMNS, tableRows } from './table.js';
import type { RuleSet } from './types.js';

/** The change request for a ticket: RFC 4180 CSV with a header line, one line per entry. */
export function formatCsv(rules: RuleSet): string {
  return stringify(tableRows(rules), {
    header: true,
    columns: TABLE_COLUMNS.map(([key, header]) => ({ key, header })),
  });
}
