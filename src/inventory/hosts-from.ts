import { dirname, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { readBoundedFile } from './bounded-file.js';
import type { InventoryIssue } from './errors.js';
import type { Problem } from './problem.js';
import { isMap, listAt } from './raw.js';
import type { DataPath } from './yaml-locate.js';

/**
 * `hostsFrom:`: hosts listed in CSV files next to the inventory (issue 19 §1), the lists people
 * already keep in spreadsheets. Each row becomes a host entry appended to `hosts:`, and the one
 * schema validates it like any other; only the places differ: a problem in such a host points at
 * `file.csv:line:column` of its cell.
 */

/** The largest CSV host list read: the inventory's own limit. */
export const HOSTS_CSV_LIMIT = 16 * 2 ** 20;

/** The host fields a CSV column can fill. */
export const CSV_FIELDS = ['name', 'addresses', 'role', 'neType', 'credentials'] as const;
export type CsvField = (typeof CSV_FIELDS)[number];

/** Several values in one cell (addresses, roles, credential sets): separated by spaces or ";". */
const LIST_SEPARATOR = /[\s;]+/;

interface Place {
  readonly file: string;
  readonly line: number;
  /** Column of each field's cell; a field filled from the defaults points at the row. */
  readonly columns: Readonly<Record<string, number>>;
}

export interface HostsFrom {
  /** The data with the CSV hosts appended to `hosts` (the same object when there are none). */
  readonly data: unknown;
  /** Problems placed in the YAML (a `hostsFrom` entry whose file cannot be read). */
  readonly problems: readonly Problem[];
  /** Problems placed in a CSV file (syntax, a missing column). */
  readonly issues: readonly InventoryIssue[];
  /** `file.csv:line:column` of a path inside a CSV host, or undefined for any other path. */
  place(path: DataPath): { file: string; line: number; column: number } | undefined;
}

export interface CsvSource {
  /** Directory the CSV paths resolve against: the inventory's. */
  readonly baseDir: string;
  /** The inventory as the user named it; CSV files are named in messages next to it. */
  readonly label: string;
}

export function expandHostsFrom(data: unknown, source: CsvSource): HostsFrom {
  const entries = listAt(data, 'hostsFrom');
  const yamlHosts = isMap(data) && data.hosts !== undefined ? data.hosts : [];
  if (entries.length === 0 || !Array.isArray(yamlHosts)) return { data, problems: [], issues: [], place: () => undefined };

  const hosts: unknown[] = [];
  const places: Place[] = [];
  const problems: Problem[] = [];
  const issues: InventoryIssue[] = [];
  entries.forEach((entry, index) => {
    if (!isMap(entry) || typeof entry.file !== 'string' || entry.file === '') return; // the schema reports it
    const file = entry.file;
    const shown = source.label.startsWith('<') ? file : join(dirname(source.label), file);
    const read = readBoundedFile(resolve(source.baseDir, file), HOSTS_CSV_LIMIT, 'host list');
    if (!read.ok) {
      problems.push({ path: ['hostsFrom', index, 'file'], target: 'value', message: read.reason });
      return;
    }
    readCsv(read.text, shown, isMap(entry.columns) ? entry.columns : {}, isMap(entry.defaults) ? entry.defaults : {}, hosts, places, issues);
  });

  const first = yamlHosts.length;
  return {
    data: { ...(data as Record<string, unknown>), hosts: [...yamlHosts, ...hosts] },
    problems,
    issues,
    place(path) {
      const [section, index, field] = path;
      if (section !== 'hosts' || typeof index !== 'number' || index < first) return undefined;
      const place = places[index - first];
      if (place === undefined) return undefined;
      const column = typeof field === 'string' ? (place.columns[field] ?? 1) : 1;
      return { file: place.file, line: place.line, column };
    },
  };
}

/** A record as csv-parse gives it with `raw` and `info`. */
interface CsvRecord {
  readonly record: string[];
  readonly raw: string;
  readonly info: { readonly lines: number };
}

function readCsv(
  text: string,
  file: string,
  columns: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>>,
  hosts: unknown[],
  places: Place[],
  issues: InventoryIssue[],
): void {
  let records: CsvRecord[];
  try {
    records = parse(text, { raw: true, info: true, bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as CsvRecord[];
  } catch (error) {
    const { lines, message } = error as { lines?: number; message: string };
    issues.push({ file, line: lines ?? 0, column: lines === undefined ? 0 : 1, path: '', message: `CSV syntax error: ${message}` });
    return;
  }
  const [header, ...rows] = records;
  if (header === undefined) {
    issues.push({ file, line: 0, column: 0, path: '', message: 'the host list is empty; its first row names the columns' });
    return;
  }
  // Field -> index of its column. A mapping names the header; without one, the field's own name.
  const indexOf = new Map<CsvField, number>();
  for (const field of CSV_FIELDS) {
    const mapped = columns[field];
    const wanted = typeof mapped === 'string' ? mapped : field;
    const at = header.record.indexOf(wanted);
    if (at >= 0) indexOf.set(field, at);
    else if (typeof mapped === 'string' || ((field === 'name' || field === 'addresses') && defaults[field] === undefined)) {
      issues.push({ file, line: 1, column: 1, path: '', message: `no column "${wanted}" for ${field} (the columns: ${header.record.join(', ')})` });
    }
  }
  if (issues.some((issue) => issue.file === file)) return;

  for (const row of rows) {
    const line = row.info.lines - (row.raw.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0);
    const cellAt = cellColumns(row.raw);
    const host: Record<string, unknown> = {};
    const placeColumns: Record<string, number> = {};
    for (const field of CSV_FIELDS) {
      const at = indexOf.get(field);
      const cell = at === undefined ? '' : (row.record[at] ?? '');
      if (cell === '') {
        if (defaults[field] !== undefined) host[field] = defaults[field];
        continue;
      }
      if (at !== undefined) placeColumns[field] = cellAt[at] ?? 1;
      host[field] = field === 'name' || field === 'neType' ? cell : cell.split(LIST_SEPARATOR).filter((part) => part !== '');
    }
    // One role is `role`, several are `roles`, as in the YAML.
    if (Array.isArray(host.role)) {
      const roles = host.role as string[];
      delete host.role;
      if (roles.length === 1) host.role = roles[0];
      else host.roles = roles;
      if (placeColumns.role !== undefined && roles.length > 1) placeColumns.roles = placeColumns.role;
    }
    hosts.push(host);
    places.push({ file, line, columns: placeColumns });
  }
}

/** 1-based column where each cell of a raw CSV record starts ("," outside quotes ends a cell). */
function cellColumns(raw: string): number[] {
  const starts = [1];
  let quoted = false;
  let column = 1;
  for (const ch of raw) {
    if (ch === '\n') column = 0;
    else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) starts.push(column + 1);
    column += 1;
  }
  return starts;
}
