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

/** Per-parse error map: the message for issues the schema did not word itself. */
export const issueMessage: z.core.$ZodErrorMap = (issue) => {
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

/** The object schema at `path`, following wrappers, lists and records; undefined past a union. */
function objectAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): z.ZodObject | undefined {
  let current: z.core.$ZodType | undefined = schema;
  let index = 0;
  while (current) {
    const def = current._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'optional' || def.type === 'default' || def.type === 'prefault' || def.type === 'nullable') {
      current = def.innerType as z.core.$ZodType;
    } else if (def.type === 'pipe') {
      current = def.in as z.core.$ZodType;
    } else if (index === path.length) {
      return current instanceof z.ZodObject ? current : undefined;
    } else if (current instanceof z.ZodObject) {
      current = (current.shape as Record<PropertyKey, z.core.$ZodType>)[path[index] as PropertyKey];
      index += 1;
    } else if (def.type === 'array') {
      current = def.element as z.core.$ZodType;
      index += 1;
    } else if (def.type === 'record') {
      current = def.valueType as z.core.$ZodType;
      index += 1;
    } else {
      return undefined;
    }
  }
  return undefined;
}

function unknownKeyMessage(schema: z.core.$ZodType, objectPath: readonly PropertyKey[], key: string): string {
  const known = objectAt(schema, objectPath);
  const suggestion = known ? closest(key, Object.keys(known.shape)) : undefined;
  return suggestion ? `unknown key "${key}" (did you mean "${suggestion}"?)` : `unknown key "${key}"`;
}

/** Issues of `schema.safeParse(..., { error: issueMessage, reportInput: true })` as problems. */
export function problemsFromZod(schema: z.core.$ZodType, issues: readonly z.core.$ZodIssue[]): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ path: [...issue.path, key], target: 'key', message: unknownKeyMessage(schema, issue.path, key) });
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
