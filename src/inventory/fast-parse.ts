import {
  COLLECTION_STYLE,
  EVENT_ID,
  NOT_RESOLVED,
  SCALAR_STYLE,
  Schema,
  constructFromEvents,
  defineScalarTag,
  mapTag,
  mergeTag,
  parseEvents,
  seqTag,
  strTag,
  type Event,
} from 'js-yaml';

/**
 * The quick reading of an inventory: js-yaml, several times faster than the `yaml` package's
 * parseDocument and without its node tree. The `yaml` package (./load.ts, slow path) stays the
 * authority: it is what the inventory has always been read with, and only it locates errors. So
 * this reader only answers when it can vouch that `yaml` (1.2 core schema, merge keys, unique
 * keys) reads the same data; anything unusual makes it answer undefined, and the caller reads the
 * text again the slow way. Being unsure costs time, never a different result.
 */
export interface FastDocument {
  readonly data: unknown;
  /** 1-based line and column of the top-level `hosts[index]` entry, as `yaml`'s LineCounter gives them. */
  hostPosition(index: number): { readonly line: number; readonly column: number } | undefined;
  /** Where each top-level section and list item starts: errors are located from it (./window-locate.ts). */
  readonly layout: Layout;
}

/** A top-level key of the inventory and, when its value is a block list, where each item starts. */
export interface Section {
  readonly key: string;
  /** Source offset of the key (inside its quotes, if quoted). */
  readonly keyStart: number;
  /** Start offset of each item of a block list value (-1: not known); undefined for any other value. */
  readonly items: readonly number[] | undefined;
}

export interface Layout {
  readonly sections: readonly Section[];
  /**
   * Whether any part can be read without the rest: a block mapping at the top, with no anchor,
   * alias or merge key anywhere (which would tie a part to another).
   */
  readonly separable: boolean;
}

/** Thrown from inside the reader when it meets something it does not vouch for. */
class Unsure extends Error {}

/**
 * Aliases per document: never unlimited (billion laughs). `yaml` (maxAliasCount 100) counts per
 * anchor, the anchor itself included, so it takes at most 99 aliases of an anchor whose node holds
 * no alias (the only kind this reader accepts); at most 99 in all is within that.
 */
const MAX_ALIASES = 99;
/** Nesting depth js-yaml accepts (its default); deeper documents go to the slow path. */
const MAX_DEPTH = 100;
/** `yaml` refuses implicit keys longer than 1024 characters; keys here are names, far shorter. */
const MAX_KEY_LENGTH = 1000;

// The plain-scalar rules of the `yaml` package's core schema (yaml/dist/schema/core and
// common/null.js): the fast path resolves with these, not with js-yaml's own core tags, so that
// both paths agree by construction. Numbers outside the plain decimal forms (octal, hex, exponent,
// leading "+" or zeros, .inf, .nan, more digits than a double holds exactly) are left to `yaml`.
const YAML_NULL = /^(?:~|[Nn]ull|NULL)?$/;
const YAML_BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const YAML_INT = [/^0o[0-7]+$/, /^[-+]?[0-9]+$/, /^0x[0-9a-fA-F]+$/];
const YAML_FLOAT = [
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
const PLAIN_INT = /^(?:0|-?[1-9][0-9]{0,14})$/;
const PLAIN_FLOAT = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;

/** Whether `yaml`'s core schema reads this plain scalar as something other than a string. */
function isPlainNonString(text: string): boolean {
  // Keys are checked with this, tens of thousands in a large inventory: the first character rules
  // out most of them before any pattern runs.
  switch (text[0]) {
    case undefined:
    case '~':
    case 'n':
    case 'N':
      return YAML_NULL.test(text);
    case 't':
    case 'T':
    case 'f':
    case 'F':
      return YAML_BOOL.test(text);
    default:
      return /^[-+.0-9]/.test(text) && (YAML_INT.some((re) => re.test(text)) || YAML_FLOAT.some((re) => re.test(text)));
  }
}

const DIGITS = [...'0123456789'];

const nullTag = defineScalarTag('tag:yaml.org,2002:null', {
  implicit: true,
  implicitFirstChars: ['', '~', 'n', 'N'],
  resolve: (text) => (YAML_NULL.test(text) ? null : NOT_RESOLVED),
  identify: (value) => value === null,
});

const boolTag = defineScalarTag('tag:yaml.org,2002:bool', {
  implicit: true,
  implicitFirstChars: ['t', 'T', 'f', 'F'],
  resolve: (text) => (YAML_BOOL.test(text) ? text[0] === 't' || text[0] === 'T' : NOT_RESOLVED),
  identify: (value) => typeof value === 'boolean',
});

const intTag = defineScalarTag('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: ['-', '+', ...DIGITS],
  resolve: (text) => {
    if (PLAIN_INT.test(text)) return Number(text);
    if (YAML_INT.some((re) => re.test(text))) throw new Unsure(`integer form ${text}`);
    return NOT_RESOLVED;
  },
  identify: (value) => Number.isInteger(value),
});

const floatTag = defineScalarTag('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: ['-', '+', '.', ...DIGITS],
  resolve: (text) => {
    if (PLAIN_FLOAT.test(text)) return Number(text);
    if (YAML_FLOAT.some((re) => re.test(text))) throw new Unsure(`float form ${text}`);
    return NOT_RESOLVED;
  },
  identify: (value) => typeof value === 'number',
});

const SCHEMA = new Schema([strTag, seqTag, mapTag, nullTag, boolTag, intTag, floatTag, mergeTag]);

/**
 * Characters the fast path leaves to `yaml`: anything but printable text and "\n" / "\r\n" line
 * ends. Tabs (indentation rules differ between parsers), a lone "\r" (a line break to js-yaml, not
 * to `yaml`'s line counter), a byte order mark (js-yaml strips it, shifting offsets), NEL and the
 * Unicode line separators, control characters and unpaired surrogates.
 */
const UNUSUAL_TEXT = /[^\n\r\x20-\x7E\u00A0-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD\u{10000}-\u{10FFFF}]|\r(?!\n)/u;

interface Frame {
  readonly kind: 'document' | 'mapping' | 'sequence';
  readonly anchored: boolean;
  /** Mapping: whether the next node is a key. */
  expectKey: boolean;
  /** Mapping: `<<` keys seen. */
  merges: number;
  /** Top-level mapping: the key whose value comes next. */
  key?: string;
  readonly top: boolean;
  readonly hosts: boolean;
  /** A block list that is a top-level value: the section whose items it records. */
  readonly section?: { key: string; keyStart: number; items: number[] | undefined };
}

interface Walk {
  /** Start offset of each `hosts` item that is a mapping; -1 for anything else. */
  readonly hostOffsets: number[];
  readonly layout: Layout;
}

/** Checks the event stream for anything the two parsers might read differently. Throws Unsure. */
function walk(text: string, events: readonly Event[]): Walk {
  const hostOffsets: number[] = [];
  const anchors = new Set<string>();
  const stack: Frame[] = [];
  let documents = 0;
  let anchoredDepth = 0;
  let aliases = 0;
  const sections: { key: string; keyStart: number; items: number[] | undefined }[] = [];
  let separable = true;

  const newFrame = (kind: Frame['kind'], anchored: boolean, top: boolean, hosts: boolean): Frame => ({
    kind,
    anchored,
    expectKey: true,
    merges: 0,
    top,
    hosts,
  });

  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      documents += 1;
      if (documents > 1 || event.directives.length > 0) throw new Unsure('several documents or a directive');
      stack.push(newFrame('document', false, false, false));
      continue;
    }
    if (event.type === EVENT_ID.POP) {
      const frame = stack.pop();
      if (frame?.anchored) anchoredDepth -= 1;
      continue;
    }

    const parent = stack[stack.length - 1];
    if (parent === undefined) throw new Unsure('node outside a document');
    let role: 'root' | 'key' | 'value' | 'item';
    if (parent.kind === 'document') role = 'root';
    else if (parent.kind === 'sequence') role = 'item';
    else {
      role = parent.expectKey ? 'key' : 'value';
      parent.expectKey = !parent.expectKey;
    }
    if (parent.hosts) hostOffsets.push(event.type === EVENT_ID.MAPPING ? event.start : -1);
    if (parent.section?.items !== undefined) parent.section.items.push(itemStart(event));
    const isHostsValue = role === 'value' && parent.top && parent.key === 'hosts';

    if (event.type === EVENT_ID.ALIAS) {
      // An alias inside an anchored node makes expansion multiply; `yaml` bounds that by its own
      // count, which is not worth imitating.
      if (role === 'key' || anchoredDepth > 0) throw new Unsure('alias as a key or inside an anchored node');
      aliases += 1;
      separable = false;
      if (aliases > MAX_ALIASES) throw new Unsure('too many aliases');
      continue;
    }
    if (event.tagStart !== -1) throw new Unsure('explicit tag');
    const anchored = event.anchorStart !== -1;
    if (anchored) separable = false;
    if (anchored) {
      const name = text.slice(event.anchorStart, event.anchorEnd);
      if (anchors.has(name)) throw new Unsure(`anchor &${name} defined twice`);
      anchors.add(name);
    }

    if (event.type === EVENT_ID.SCALAR) {
      // Only scalars whose value is their source text: no escapes, no folded lines, no block scalars.
      const empty = event.valueStart === -1;
      if (!empty && !event.fast) throw new Unsure('scalar with escapes or line breaks');
      if (event.style === SCALAR_STYLE.LITERAL_BLOCK || event.style === SCALAR_STYLE.FOLDED_BLOCK) {
        throw new Unsure('block scalar');
      }
      const plain = event.style === SCALAR_STYLE.PLAIN;
      if (role === 'key') {
        const value = empty ? '' : text.slice(event.valueStart, event.valueEnd);
        if (value.length > MAX_KEY_LENGTH || value === '__proto__') throw new Unsure('unusual key');
        if (plain && value === '<<') {
          separable = false;
          parent.merges += 1;
          // Merged `hosts` would have no place of their own; several merges per mapping are rare.
          if (parent.top || parent.merges > 1) throw new Unsure('merge key at the top or repeated');
        } else if (plain && isPlainNonString(value)) {
          throw new Unsure('key that is not a string');
        }
        if (parent.top) {
          parent.key = value;
          sections.push({ key: value, keyStart: event.valueStart, items: undefined });
        }
      } else if (plain && !empty && event.valueEnd - event.valueStart === 2 && text.startsWith('<<', event.valueStart)) {
        throw new Unsure('"<<" as a value');
      }
      continue;
    }

    // A mapping or a sequence.
    if (role === 'key') throw new Unsure('collection as a key');
    if (anchored) anchoredDepth += 1;
    const kind = event.type === EVENT_ID.MAPPING ? 'mapping' : 'sequence';
    if (role === 'root' && (kind !== 'mapping' || event.style !== COLLECTION_STYLE.BLOCK)) separable = false;
    const frame = newFrame(kind, anchored, role === 'root' && kind === 'mapping', isHostsValue && kind === 'sequence');
    const section = role === 'value' && parent.top ? sections[sections.length - 1] : undefined;
    if (section !== undefined && kind === 'sequence' && event.style === COLLECTION_STYLE.BLOCK) {
      section.items = [];
      stack.push({ ...frame, section });
    } else {
      stack.push(frame);
    }
  }
  if (documents !== 1) throw new Unsure('no document');
  return { hostOffsets, layout: { sections, separable } };
}

/** Where a list item starts: a collection's first character, a scalar's value (-1 when unknown). */
function itemStart(event: Event): number {
  if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) return event.start;
  if (event.type === EVENT_ID.SCALAR && event.anchorStart === -1 && event.tagStart === -1) return event.valueStart;
  return -1;
}

/** Line starts of `text` ("\n" ends a line; a lone "\r" never gets this far). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) starts.push(index + 1);
  return starts;
}

function positionOf(starts: readonly number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
}

/**
 * The data of a one-document inventory, or undefined when the fast path is not sure to agree with
 * the `yaml` package (and on every YAML error: those are the slow path's to report).
 */
export function fastParse(text: string): FastDocument | undefined {
  if (UNUSUAL_TEXT.test(text)) return undefined;
  try {
    const events = parseEvents(text, { maxDepth: MAX_DEPTH });
    const { hostOffsets, layout } = walk(text, events);
    const documents = constructFromEvents(events, { source: text, schema: SCHEMA, maxAliases: MAX_ALIASES });
    if (documents.length !== 1 || documents[0] === null || documents[0] === undefined) return undefined;
    let starts: number[] | undefined;
    return {
      data: documents[0],
      layout,
      hostPosition(index) {
        const offset = hostOffsets[index];
        if (offset === undefined || offset < 0) return undefined;
        starts ??= lineStarts(text);
        return positionOf(starts, offset);
      },
    };
  } catch {
    // A YAML error, or Unsure: either way the slow path decides.
    return undefined;
  }
}
