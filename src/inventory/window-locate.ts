import type { Document } from 'yaml';
import type { Layout, Section } from './fast-parse.js';
import { offsetOf, type DataPath, type Target } from './yaml-locate.js';
import { yamlPackage } from './yaml-package.js';

/**
 * Locating an error without reading the whole file with the `yaml` package. Its document of a
 * 16 MiB inventory took about 2 GB; to say where `hosts[63000].role` is, only the lines of the
 * key `hosts:` and of that one host are needed. So the window read by `yaml` is those lines (or
 * the one small top-level section the path is in), with the same options as the whole file, and
 * `offsetOf` finds the place in it exactly as it would in the whole document; lines are mapped
 * back. Only for text the fast path read (./fast-parse.ts: the same data as `yaml`'s) and whose
 * layout is separable (a block mapping at the top, no anchors, aliases or merge keys); anything
 * else, or a window that does not read as the same shape, gives undefined and the caller reads the
 * whole file the old way.
 */

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A window of whole lines: its text, and the first line of each piece in the file. */
interface Window {
  readonly doc: Document;
  readonly counter: { linePos(offset: number): { line: number; col: number } };
  /** Window line -> file line: the key line is window line 1; the item's lines follow from line 2. */
  readonly fileLine: (line: number) => number;
}

/** A top-level section larger than this is not read as one window (the whole file is, as before). */
const MAX_WINDOW = 1 << 20;

export class WindowLocator {
  readonly #text: string;
  readonly #layout: Layout;
  #lineStarts: number[] | undefined;
  readonly #windows = new Map<string, Window | null>();

  constructor(text: string, layout: Layout) {
    this.#text = text;
    this.#layout = layout;
  }

  /** 1-based line and column of `path` as the slow path would give them; undefined: read the whole file. */
  position(path: DataPath, target: Target): Position | undefined {
    if (!this.#layout.separable) return undefined;
    const sections = this.#layout.sections;
    const index = path.length === 0 ? 0 : sections.findIndex((section) => section.key === String(path[0]));
    // A top-level key that is not there: the slow path points at the top mapping, where the first section starts.
    const section = sections[index < 0 ? 0 : index];
    if (section === undefined) return undefined;
    const inPath = index < 0 ? [] : path;
    const item = section.items !== undefined && section.items.length > 0 ? (typeof inPath[1] === 'number' && inPath[1] < section.items.length ? inPath[1] : 0) : undefined;
    const window = this.#window(index < 0 ? 0 : index, item);
    if (window === undefined) return undefined;
    // In the window the item is the list's first.
    const windowPath = item === undefined || inPath[1] !== item ? inPath : [inPath[0] as PropertyKey, 0, ...inPath.slice(2)];
    const { line, col } = window.counter.linePos(offsetOf(window.doc, windowPath, target));
    return { line: window.fileLine(line), column: col };
  }

  #window(sectionIndex: number, item: number | undefined): Window | undefined {
    const key = `${sectionIndex}:${item ?? ''}`;
    let window = this.#windows.get(key);
    if (window === undefined) {
      window = this.#read(sectionIndex, item) ?? null;
      this.#windows.set(key, window);
    }
    return window ?? undefined;
  }

  #read(sectionIndex: number, item: number | undefined): Window | undefined {
    const sections = this.#layout.sections;
    const section = sections[sectionIndex] as Section;
    const next = sections[sectionIndex + 1];
    if (section.keyStart < 0 || (next !== undefined && next.keyStart < 0)) return undefined;
    const keyLine = this.#lineOf(section.keyStart);
    const keyLineStart = this.#lineStart(keyLine);
    const end = next === undefined ? this.#text.length : this.#lineStart(this.#lineOf(next.keyStart));
    let text: string;
    let fileLine: (line: number) => number;
    if (item === undefined || section.items === undefined) {
      if (end - keyLineStart > MAX_WINDOW) return undefined;
      text = this.#text.slice(keyLineStart, end);
      fileLine = (line) => keyLine + line - 1;
    } else {
      const start = section.items[item] ?? -1;
      const following = item + 1 < section.items.length ? (section.items[item + 1] ?? -1) : end;
      if (start < 0 || following < 0) return undefined;
      const itemLine = this.#lineOf(start);
      const itemEnd = item + 1 < section.items.length ? this.#lineStart(this.#lineOf(following)) : end;
      // The key alone on its line, the item on lines of its own after it: otherwise not separable.
      if (itemLine <= keyLine || itemEnd - this.#lineStart(itemLine) > MAX_WINDOW) return undefined;
      const keyLineEnd = this.#lineStart(keyLine + 1);
      text = this.#text.slice(keyLineStart, keyLineEnd) + this.#text.slice(this.#lineStart(itemLine), itemEnd);
      fileLine = (line) => (line === 1 ? keyLine : itemLine + line - 2);
    }
    const { LineCounter, isMap, isSeq, parseDocument } = yamlPackage();
    const counter = new LineCounter();
    // The options of the slow path (./load.ts), so that the window reads as the whole file would.
    const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true, merge: true });
    if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
    if (item !== undefined) {
      const value = doc.contents.get(section.key, true);
      if (!isSeq(value) || value.items.length === 0) return undefined;
    }
    return { doc, counter, fileLine };
  }

  /** 1-based line of an offset. */
  #lineOf(offset: number): number {
    const starts = this.#starts();
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }

  /** Offset where a 1-based line starts (the text's end past the last line). */
  #lineStart(line: number): number {
    return this.#starts()[line - 1] ?? this.#text.length;
  }

  #starts(): number[] {
    if (this.#lineStarts === undefined) {
      const starts = [0];
      for (let at = this.#text.indexOf('\n'); at !== -1; at = this.#text.indexOf('\n', at + 1)) starts.push(at + 1);
      this.#lineStarts = starts;
    }
    return this.#lineStarts;
  }
}
