import type { Document, Node } from 'yaml';
import { yamlPackage } from './yaml-package.js';

/** A position in the parsed data, as zod reports it: keys and list indexes. */
export type DataPath = readonly PropertyKey[];

/**
 * Which part of a map entry an error is about: the key (an unknown or duplicate key), or the value
 * (everything else). A path that does not exist in the document resolves to its nearest ancestor
 * that does, which is where a missing key belongs.
 */
export type Target = 'key' | 'value';

function keyMatches(key: unknown, segment: PropertyKey): boolean {
  return yamlPackage().isScalar(key) && String(key.value) === String(segment);
}

function deref(doc: Document, node: unknown): unknown {
  return yamlPackage().isAlias(node) ? node.resolve(doc) : node;
}

function startOf(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Source offset of the node at `path` (or of its nearest existing ancestor). */
export function offsetOf(doc: Document, path: DataPath, target: Target): number {
  const { isMap, isSeq } = yamlPackage();
  let node: unknown = doc.contents;
  let offset = startOf(node) ?? 0;
  for (let i = 0; i < path.length; i += 1) {
    const segment = path[i] as PropertyKey;
    const last = i === path.length - 1;
    node = deref(doc, node);
    if (isMap(node)) {
      const pair = node.items.find((item) => keyMatches(item.key, segment));
      if (!pair) return offset;
      const keyOffset = startOf(pair.key) ?? offset;
      // `key:` with nothing after it has no value node: the key is the best place to point at.
      const valueOffset = startOf(pair.value);
      if ((last && target === 'key') || valueOffset === undefined) return keyOffset;
      node = pair.value;
      offset = valueOffset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      const itemOffset = startOf(item);
      if (itemOffset === undefined) return offset;
      node = item;
      offset = itemOffset;
    } else {
      return offset;
    }
  }
  return offset;
}

/** The data path of the innermost key or value that contains `offset` (for YAML-level errors). */
export function pathAt(doc: Document, offset: number): PropertyKey[] {
  const { isMap, isPair, isScalar, isSeq } = yamlPackage();
  const path: PropertyKey[] = [];
  const contains = (node: unknown) => {
    const range = (node as Node | null | undefined)?.range;
    return range != null && range[0] <= offset && offset < Math.max(range[1], range[0] + 1);
  };
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && (contains(item.key) || contains(item.value)));
      if (!pair || !isScalar(pair.key)) return path;
      path.push(String(pair.key.value));
      if (contains(pair.key)) return path;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex(contains);
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}

/** `hosts[2].addresses[0]`, `credentials["ne ssh"].ssh`. */
export function formatPath(path: DataPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(String(segment))) text += text === '' ? String(segment) : `.${String(segment)}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}
