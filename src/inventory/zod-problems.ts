import { z } from 'zod';
import type { Problem } from './problem.js';
import { SECRET_FIELDS } from './schema.js';
import { kindOf, showValue } from './show-value.js';

/**
 * Zod issues as inventory problems, in the words of a YAML file ("a mapping", "a list", "missing
 * key"). Schemas in ./schema.ts give their own messages where they know better; `issueMessage` is
 * the fallback for the rest.
 */

const SECRET_KEYS: ReadonlySet<PropertyKey> = new Set(SECRET_FIELDS);

/** Inside a secret's position, a value is never quoted back (it may be a secret written in clear). */
function mayQuote(path: readonly PropertyKey[]): boolean {
  return !path.some((segment) => SECRET_KEYS.has(segment));
}

function expectedKind(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a mapping';
    case 'array':
    case 'tuple':
      return 'a list';
    case 'int':
      return 'a whole number';
    default:
      return `a ${expected}`;
  }
}

/** The error map of every parse: the message for issues the schema did not word itself. */
const issueMessage: z.core.$ZodErrorMap = (issue) => {
  const got = (input: unknown) => (mayQuote(issue.path ?? []) ? `, got ${showValue(input)}` : '');
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${expectedKind(issue.expected)}, got ${kindOf(issue.input)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}${got(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return 'expected a non-empty string';
      return `expected at least ${String(issue.minimum)}${got(issue.input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `expected at most ${String(issue.maximum)} item(s)`;
      if (issue.origin === 'string') return `expected at most ${String(issue.maximum)} characters`;
      return `expected at most ${String(issue.maximum)}${got(issue.input)}`;
    case 'invalid_format':
      return issue.pattern ? `expected text matching ${issue.pattern}` : `expected a ${issue.format}`;
    case 'invalid_union':
      return 'matches none of the allowed forms';
    case 'invalid_key':
      return 'invalid key';
    default:
      return undefined;
  }
};

/** Closest known key within two edits, for "did you mean". */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The outcome of one parse: the data, or the problems in the inventory's words. */
export type ParseOutcome<T> = { readonly success: true; readonly data: T } | { readonly success: false; readonly problems: Problem[] };

/**
 * Parses `data` with `schema` and words what is wrong. The keys an object knows, for "did you
 * mean", come from the `unrecognized_keys` issue itself: its public `inst` field (the object
 * schema that refused the keys) is there when the error map runs, and its `.shape` lists them.
 * No walk through zod's internal definitions (`_zod.def`), which a minor release may change.
 */
export function parseWithProblems<S extends z.ZodType>(schema: S, data: unknown): ParseOutcome<z.output<S>> {
  const knownKeys = new Map<string, readonly string[]>();
  const error: z.core.$ZodErrorMap = (issue) => {
    if (issue.code === 'unrecognized_keys' && issue.inst instanceof z.ZodObject) {
      knownKeys.set(pathKey(issue.path ?? []), Object.keys(issue.inst.shape));
    }
    return issueMessage(issue);
  };
  const parsed = schema.safeParse(data, { error, reportInput: true });
  if (parsed.success) return { success: true, data: parsed.data };
  return { success: false, problems: problemsFromZod(parsed.error.issues, knownKeys) };
}

function pathKey(path: readonly PropertyKey[]): string {
  return JSON.stringify(path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)));
}

function unknownKeyMessage(known: readonly string[] | undefined, key: string): string {
  const suggestion = known ? closest(key, known) : undefined;
  return suggestion ? `unknown key "${key}" (did you mean "${suggestion}"?)` : `unknown key "${key}"`;
}

/** Zod's issues as problems; `knownKeys`: the keys of each object that refused some, by path. */
function problemsFromZod(issues: readonly z.core.$ZodIssue[], knownKeys: ReadonlyMap<string, readonly string[]>): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys.get(pathKey(issue.path));
      for (const key of issue.keys) {
        problems.push({ path: [...issue.path, key], target: 'key', message: unknownKeyMessage(known, key) });
      }
    } else if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined && issue.path.length > 0) {
      // A missing key: point at the mapping that lacks it.
      const key = issue.path[issue.path.length - 1];
      problems.push({ path: issue.path.slice(0, -1), target: 'value', message: `missing required key "${String(key)}"` });
    } else {
      problems.push({ path: issue.path, target: 'value', message: issue.message });
    }
  }
  return problems;
}
