import { dirname, resolve } from 'node:path';
import { readBoundedFile } from './bounded-file.js';
import { credentialsOfSet, mergeCredentials, resolveUsedSecrets, type ResolvedSecrets } from './credential-sets.js';
import type { HostCredentials } from '../core/credentials.js';
import { toRunSettings } from '../core/settings.js';
import { InventoryError, type InventoryIssue } from './errors.js';
import { fastParse } from './fast-parse.js';
import { expandHostsFrom, type HostsFrom } from './hosts-from.js';
import { checkMergedProbeOptions, mergeProbeOptions, rawProbeOptions } from './probe-options.js';
import type { Problem } from './problem.js';
import { listAt, mapAt } from './raw.js';
import { checkReferences } from './references.js';
import { resolveResponderToken } from './responder-token.js';
import { DEFAULT_PATH_PROBE, inventoryFileSchema, type InventoryFile } from './schema.js';
import type { Document } from 'yaml';
import type { ExtraPath, Host, Inventory, ResponderSettings } from './types.js';
import { WindowLocator } from './window-locate.js';
import { formatPath, offsetOf, pathAt, type DataPath, type Target } from './yaml-locate.js';
import { yamlPackage } from './yaml-package.js';
import { MAX_NESTING, tooDeepAt } from './yaml-nesting.js';
import { parseWithProblems } from './zod-problems.js';

export interface LoadOptions {
  /**
   * Whether every secret that a host uses must be readable (environment variable set, file
   * readable). `check` needs them: it logs in. `plan` sends nothing, so it passes false; an
   * unreadable secret then leaves its credential slot absent instead of failing. Default true.
   */
  readonly requireSecrets?: boolean;
  /** Environment for `{ env: VAR }` references; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The largest inventory file read: 16 MiB, about 70,000 hosts written one a line, twice the
 * 35,000 measured in docs/benchmarks.md. It bounds the loader's memory (a 16 MiB file with a YAML
 * syntax error late in it still costs about 2 GB to locate; see there), and a larger file is not an inventory.
 */
export const INVENTORY_FILE_LIMIT = 16 * 2 ** 20;

/** Reads, validates and resolves an inventory file. Throws InventoryError with every problem found. */
export async function loadInventory(path: string, options: LoadOptions = {}): Promise<Inventory> {
  const read = readBoundedFile(path, INVENTORY_FILE_LIMIT, 'the inventory');
  if (!read.ok) throw new InventoryError([{ file: path, line: 0, column: 0, path: '', message: read.reason }]);
  return parseWith(read.text, { label: path, source: resolve(path), baseDir: dirname(resolve(path)), ...options });
}

/**
 * Validates inventory text. `sourceLabel` names it in messages and in `Inventory.source` (a path,
 * or e.g. "<embedded lab>"); secret files resolve against `baseDir`.
 */
export function parseInventory(text: string, sourceLabel: string, baseDir: string, options: LoadOptions = {}): Inventory {
  return parseWith(text, { label: sourceLabel, source: sourceLabel, baseDir, ...options });
}

interface ParseSettings extends LoadOptions {
  readonly label: string;
  readonly source: string;
  readonly baseDir: string;
}

/** Which reader a test wants; see parseInventoryWith. */
export type InventoryReader = 'fast' | 'slow';

/**
 * For tests: reads with one reader only. 'fast' gives undefined wherever it would hand the text
 * over to the slow path; 'slow' is the reader that every error message comes from.
 * @internal
 */
export function parseInventoryWith(
  reader: InventoryReader,
  text: string,
  sourceLabel: string,
  baseDir: string,
  options: LoadOptions = {},
): Inventory | undefined {
  const settings = { label: sourceLabel, source: sourceLabel, baseDir, ...options };
  return reader === 'fast' ? parseFast(text, settings) : parseSlow(text, settings);
}

function parseWith(text: string, settings: ParseSettings): Inventory {
  return parseFast(text, settings) ?? parseSlow(text, settings);
}

/** Thrown inside the fast path when a place cannot be found without reading the whole file. */
class NoWindow extends Error {}

/**
 * The happy path: js-yaml (./fast-parse.ts) and the same checks as the slow path. Problems are
 * located by reading with `yaml` only the lines around each (./window-locate.ts): the same
 * file:line:column as the slow path, without its document of the whole file (about 2 GB for an
 * invalid 16 MiB inventory). Any doubt gives undefined, and the slow path then reads the text
 * again and has the last word.
 */
function parseFast(text: string, settings: ParseSettings): Inventory | undefined {
  const doc = fastParse(text);
  if (doc === undefined) return undefined;
  let issues: InventoryIssue[];
  try {
    const csv = expandHostsFrom(doc.data, settings);
    const windows = new WindowLocator(text, doc.layout);
    const position = (path: DataPath, target: Target) => {
      const [section, index] = path;
      const host = target === 'value' && section === 'hosts' && path.length === 2 && typeof index === 'number' ? doc.hostPosition(index) : undefined;
      const found = host ?? windows.position(path, target);
      if (found === undefined) throw new NoWindow(`no window for ${formatPath(path)}`);
      return found;
    };
    const where = (path: DataPath, target: Target = 'value') => {
      const inCsv = csv.place(path);
      if (inCsv !== undefined) return `${inCsv.file}:${inCsv.line}:${inCsv.column}`;
      const { line, column } = position(path, target);
      return `${settings.label}:${line}:${column}`;
    };
    const checked = check(csv, settings, where);
    if (checked.file !== undefined && checked.problems.length === 0 && csv.issues.length === 0) {
      return finish(checked.file, csv.data, settings, where, checked);
    }
    issues = [
      ...checked.problems.map((problem): InventoryIssue => {
        const inCsv = csv.place(problem.path);
        // As in the slow path: in a CSV row, the field only.
        if (inCsv !== undefined) return { ...inCsv, path: formatPath(problem.path.slice(2)), message: problem.message };
        const { line, column } = position(problem.path, problem.target);
        return { file: settings.label, line, column, path: formatPath(problem.path), message: problem.message };
      }),
      ...csv.issues,
    ];
  } catch {
    // Whatever went wrong, the slow path reads the text again and has the last word.
    return undefined;
  }
  if (issues.length === 0) return undefined;
  throw new InventoryError(sorted(issues));
}

/** The authority: the `yaml` package's document keeps every node's place, for file:line:column. */
function parseSlow(text: string, settings: ParseSettings): Inventory {
  // Before parsing: the `yaml` package recurses per level and would overflow the stack. (The fast
  // path has its own limit, the same, and hands deeper text over to here.)
  const deep = tooDeepAt(text);
  if (deep !== undefined) {
    throw new InventoryError([
      { file: settings.label, line: deep.line, column: deep.column, path: '', message: `YAML nested more than ${MAX_NESTING} levels deep` },
    ]);
  }
  const { LineCounter, parseDocument } = yamlPackage();
  const lineCounter = new LineCounter();
  const issueAt = (offset: number, path: string, message: string): InventoryIssue => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: settings.label, line, column: col, path, message };
  };
  let doc: Document;
  try {
    // prettyErrors off: its messages quote the source line, which could hold a secret written in clear.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  } catch (error) {
    // Nothing known should get here (nesting is checked before); still a bad file, not a crash.
    throw new InventoryError([{ ...issueAt(0, '', ''), message: `the YAML cannot be read: ${(error as Error).message}` }]);
  }
  const yamlIssues = doc.errors.map((error) => {
    if (error.code === 'DUPLICATE_KEY') {
      const path = pathAt(doc, error.pos[0]);
      return issueAt(error.pos[0], formatPath(path), `duplicate key "${String(path[path.length - 1])}"`);
    }
    return issueAt(error.pos[0], '', `YAML syntax error: ${error.message}`);
  });
  // `yaml` reads an unknown tag (`!!js/function`, `!foo`) as a plain string and only warns; an
  // inventory has no use for tags, and a tag meant for another program is a mistake to report.
  for (const warning of doc.warnings) {
    if (warning.code === 'TAG_RESOLVE_FAILED') {
      yamlIssues.push(issueAt(warning.pos[0], formatPath(pathAt(doc, warning.pos[0])), `unknown YAML tag: ${warning.message.replace(/^Unresolved tag: /, '')}`));
    }
  }
  // After a syntax error the document is a guess; checking its contents would add noise.
  if (doc.errors.some((error) => error.code !== 'DUPLICATE_KEY') || yamlIssues.length > doc.errors.length) {
    throw new InventoryError(sorted(yamlIssues));
  }
  if (doc.contents === null) {
    throw new InventoryError([issueAt(0, '', 'the inventory is empty; it needs at least "hosts"')]);
  }

  const aliasIssue = checkAliases(doc);
  if (aliasIssue !== undefined) throw new InventoryError([issueAt(aliasIssue.offset, formatPath(pathAt(doc, aliasIssue.offset)), aliasIssue.message)]);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // `yaml` throws when aliases expand too much (billion laughs): the first alias is where it starts.
    const offset = firstAliasOffset(doc) ?? 0;
    throw new InventoryError([
      issueAt(offset, formatPath(pathAt(doc, offset)), `aliases expand too much (${(error as Error).message.replace(/\.$/, '')})`),
    ]);
  }
  // Hosts from CSV files have their places there, not in the YAML.
  const csv = expandHostsFrom(data, settings);
  const locate = (problem: Problem): InventoryIssue => {
    const inCsv = csv.place(problem.path);
    // In a CSV row the host's index among all hosts means nothing to the reader: the field only.
    if (inCsv !== undefined) return { ...inCsv, path: formatPath(problem.path.slice(2)), message: problem.message };
    return issueAt(offsetOf(doc, problem.path, problem.target), formatPath(problem.path), problem.message);
  };
  const where = (path: DataPath, target: Target = 'value') => {
    const inCsv = csv.place(path);
    if (inCsv !== undefined) return `${inCsv.file}:${inCsv.line}:${inCsv.column}`;
    const { line, col } = lineCounter.linePos(offsetOf(doc, path, target));
    return `${settings.label}:${line}:${col}`;
  };

  const checked = check(csv, settings, where);
  const issues = [...yamlIssues, ...checked.problems.map(locate), ...csv.issues];
  if (issues.length > 0 || checked.file === undefined) throw new InventoryError(sorted(issues));
  return finish(checked.file, csv.data, settings, where, checked);
}

interface Checked {
  /** The validated file; undefined when the schema rejects it. */
  readonly file: InventoryFile | undefined;
  readonly problems: readonly Problem[];
  readonly secrets: ResolvedSecrets;
  readonly responder: ResponderSettings | undefined;
}

/** Every check on the parsed data: schema, references, secrets, the merged probe options. */
function check(csv: HostsFrom, settings: ParseSettings, where: (path: DataPath) => string): Checked {
  const data = csv.data;
  const parsed = parseWithProblems(inventoryFileSchema, data);
  const secretSource = { env: settings.env ?? process.env, baseDir: settings.baseDir };
  const secrets = resolveUsedSecrets(data, secretSource, settings.requireSecrets ?? true);
  const responder = resolveResponderToken(data, secretSource, settings.requireSecrets ?? true);
  const problems = [
    ...(parsed.success ? [] : parsed.problems),
    ...checkReferences(data, where),
    ...secrets.problems,
    ...responder.problems,
    ...csv.problems,
  ];
  if (parsed.success && problems.length === 0) problems.push(...checkMergedProbeOptions(data));
  return { file: parsed.success ? parsed.data : undefined, problems, secrets: secrets.secrets, responder: responder.settings };
}

function finish(
  file: InventoryFile,
  data: unknown,
  settings: ParseSettings,
  where: (path: DataPath) => string,
  checked: Checked,
): Inventory {
  const inventory = build(file, data, settings.source, where, checked.secrets);
  return checked.responder === undefined ? inventory : { ...inventory, responder: checked.responder };
}

function build(
  file: InventoryFile,
  data: unknown,
  source: string,
  where: (path: DataPath) => string,
  secrets: ResolvedSecrets,
): Inventory {
  const sets = new Map<string, HostCredentials>(
    Object.entries(file.credentials ?? {}).map(([name, set]) => [name, credentialsOfSet(name, set, secrets)]),
  );
  const roleDefaults = (file.defaults.credentials ?? {}) as Partial<Record<string, string[]>>;
  const globalProbes = rawProbeOptions(mapAt(data, 'probes'));
  const rawHosts = listAt(data, 'hosts');

  const hosts = file.hosts.map((entry, index): Host => {
    const roles = entry.roles ?? (entry.role ? [entry.role] : []);
    const names = [...roles.flatMap((role) => roleDefaults[role] ?? []), ...(entry.credentials ?? [])];
    return {
      name: entry.name,
      roles,
      ...(entry.neType && { neType: entry.neType }),
      addresses: entry.addresses,
      services: entry.services ?? [],
      ports: (entry.ports ?? {}) as Host['ports'],
      credentials: mergeCredentials(names, sets),
      probeOptions: mergeProbeOptions(globalProbes, rawProbeOptions(mapAt(rawHosts[index], 'probes'))),
      location: where(['hosts', index]),
    };
  });

  const paths = (file.paths ?? []).map(
    (entry): ExtraPath => ({
      name: entry.name,
      from: entry.from,
      to: entry.to,
      transport: entry.transport,
      ports: entry.ports ?? [],
      expect: entry.expect,
      probe: entry.probe ?? DEFAULT_PATH_PROBE[entry.transport],
      ...(entry.description !== undefined && { description: entry.description }),
    }),
  );

  return {
    source,
    ...(file.name !== undefined && { name: file.name }),
    defaults: toRunSettings(file.defaults),
    hosts,
    probeOptions: globalProbes,
    paths,
  };
}

/**
 * File order (the inventory first, then each CSV host list as first met), and each distinct message
 * once (a global setting can fail for every host).
 */
function sorted(issues: readonly InventoryIssue[]): InventoryIssue[] {
  const files = new Map<string, number>();
  for (const issue of issues) if (!files.has(issue.file)) files.set(issue.file, files.size);
  const fileRank = (issue: InventoryIssue) => files.get(issue.file) ?? 0;
  const seen = new Set<string>();
  return issues
    .filter((issue) => {
      const key = `${issue.file}:${issue.line}:${issue.column}:${issue.path}:${issue.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => fileRank(a) - fileRank(b) || a.line - b.line || a.column - b.column);
}

/** `yaml`'s own bound on alias expansion, made explicit: a few anchors reused in a file is plenty. */
const MAX_ALIAS_COUNT = 100;

/** An alias whose anchor is not defined before it: `yaml` only notices while converting, and throws. */
function checkAliases(doc: Document): { offset: number; message: string } | undefined {
  const { visit } = yamlPackage();
  let found: { offset: number; message: string } | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        found = { offset: node.range?.[0] ?? 0, message: `alias *${node.source} has no anchor &${node.source} before it` };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function firstAliasOffset(doc: Document): number | undefined {
  const { isAlias, visit } = yamlPackage();
  let offset: number | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      offset = node.range?.[0];
      return visit.BREAK;
    }
    return undefined;
  });
  return offset;
}
