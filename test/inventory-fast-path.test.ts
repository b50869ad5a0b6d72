import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fleetInventory, makeFleet, planningInventory } from '../bench/fleet.js';
import { fastParse } from '../src/inventory/fast-parse.js';
import { parseInventory, parseInventoryWith, type LoadOptions } from '../src/inventory/load.js';
import { Secret } from '../src/core/secret.js';
import { generateHostKey } from '../src/lab/host-key.js';
import { INVENTORY_SECRETS, renderInventory } from '../src/lab/inventory.js';
import { planLab } from '../src/lab/plan.js';
import { NE_TYPES } from '../src/core/model.js';

/**
 * The inventory loader reads with js-yaml first (src/inventory/fast-parse.ts) and falls back to
 * the `yaml` package, which alone words errors. These tests hold the two readers to the same
 * result: every good inventory must give the same Inventory both ways (and must take the fast
 * path, or the comparison proves nothing), and for tricky YAML the fast reader must either agree
 * with `yaml` or step aside.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'psm-netcheck-fast-path-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Secrets compare by their value (their field is private, so toEqual would pass any two). */
function comparable(value: unknown): unknown {
  if (value instanceof Secret) return { secret: value.reveal() };
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, comparable(inner)]));
  }
  return value;
}

/** What a reader makes of a text: the Inventory, or the error it throws. */
function outcome(read: () => unknown): unknown {
  try {
    return { inventory: comparable(read()) };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

interface GoodInventory {
  readonly name: string;
  readonly text: string;
  readonly baseDir: string;
  readonly options: LoadOptions;
}

const example = readFileSync(join(root, 'inventory.example.yaml'), 'utf8');
const EXAMPLE_ENV = {
  NE_SSH_PASSWORD: 'pw-Zq81',
  NE_SSH_KEY_PASSPHRASE: 'pass-Lk20',
  SNMP_COMMUNITY: 'community-Xy77',
  SNMP_PRIV: 'priv-Mm42',
  RADIUS_SECRET: 'radius-Rr09',
  RADIUS_PROBE_PASSWORD: 'probe-Pp55',
};

function exampleSecretsDir(): string {
  const dir = mkdtempSync(join(scratch, 'example-'));
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets/netcheck_ed25519'), 'key-Kf63\n');
  writeFileSync(join(dir, 'secrets/snmp-auth'), 'auth-Af18\r\n');
  return dir;
}

function labInventory(): { text: string; baseDir: string } {
  const plan = planLab();
  const presented = new Map(plan.hosts.map((host) => [host.name, generateHostKey().fingerprint]));
  const dir = mkdtempSync(join(scratch, 'lab-'));
  mkdirSync(join(dir, 'secrets'));
  for (const name of INVENTORY_SECRETS) writeFileSync(join(dir, 'secrets', name), `${name}-value\n`);
  return { text: renderInventory(plan, { presented, stale: generateHostKey().fingerprint }), baseDir: dir };
}

const lab = labInventory();
const GOOD: readonly GoodInventory[] = [
  { name: 'inventory.example.yaml, plan mode', text: example, baseDir: root, options: { requireSecrets: false, env: {} } },
  {
    name: 'inventory.example.yaml, one secret readable',
    text: example,
    baseDir: root,
    options: { requireSecrets: false, env: { SNMP_COMMUNITY: 'c-Qw12' } },
  },
  { name: 'inventory.example.yaml, every secret readable', text: example, baseDir: exampleSecretsDir(), options: { env: EXAMPLE_ENV } },
  {
    name: 'inventory.example.yaml with a responder token',
    text: `${example}\nresponder:\n  token: { env: PSM_NETCHECK_TOKEN }\n`,
    baseDir: root,
    options: { requireSecrets: false, env: { PSM_NETCHECK_TOKEN: 'token-Tt33' } },
  },
  { name: 'the lab inventory (src/lab), its secret files written', text: lab.text, baseDir: lab.baseDir, options: { env: {} } },
  { name: 'bench fleet inventory', text: fleetInventory(makeFleet(200, 0.1)), baseDir: scratch, options: { requireSecrets: false } },
  { name: 'bench planning inventory', text: planningInventory(60, NE_TYPES), baseDir: scratch, options: { requireSecrets: false } },
];

describe('every good inventory in the repository', () => {
  it.each(GOOD)('$name: the fast path reads the same Inventory as the slow path', ({ text, baseDir, options }) => {
    const slow = parseInventoryWith('slow', text, 'inventory.yaml', baseDir, options);
    const fast = parseInventoryWith('fast', text, 'inventory.yaml', baseDir, options);
    expect(fast, 'the fast path stepped aside').toBeDefined();
    expect(comparable(fast)).toEqual(comparable(slow));
    // Same key order too: reports and JSON output follow it.
    expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
    expect(comparable(parseInventory(text, 'inventory.yaml', baseDir, options))).toEqual(comparable(slow));
  });

  it('locates hosts as the inventory tests expect (column 5 in the example)', () => {
    const slow = parseInventoryWith('slow', example, 'inventory.yaml', root, { requireSecrets: false, env: {} });
    expect(slow?.hosts[0]?.location).toMatch(/^inventory\.yaml:\d+:5$/);
  });
});

/**
 * Inline inventories of the test files (template literals with a `hosts:` key and no
 * interpolation) and the ```yaml blocks of the docs, the bad ones included: whatever the slow path
 * makes of them (an Inventory or an error), loading them must give the same, and the fast path
 * must give the same or step aside.
 */
function inlineInventories(): { name: string; text: string }[] {
  const found = (dir: string, suffix: string, pattern: RegExp, unescape: (text: string) => string) =>
    readdirSync(join(root, dir))
      .filter((file) => file.endsWith(suffix))
      .flatMap((file) =>
        [...readFileSync(join(root, dir, file), 'utf8').matchAll(pattern)]
          .map((match) => unescape(match[1] ?? ''))
          .filter((text) => /^hosts:/m.test(text) && !text.includes('${'))
          .map((text, index) => ({ name: `${dir}/${file} #${index + 1}`, text })),
      );
  return [
    ...found('test', '.test.ts', /`([^`]*)`/g, (text) => text.replace(/\\\\/g, '\\')),
    ...found('docs', '.md', /```yaml\n([\s\S]*?)```/g, (text) => text),
  ];
}

describe('inline inventories of the tests and the docs', () => {
  const inline = inlineInventories();
  const modes: readonly LoadOptions[] = [{ env: {} }, { env: {}, requireSecrets: false }];

  it('are there to compare', () => {
    expect(inline.length).toBeGreaterThan(10);
    expect(inline.some((found) => found.name.startsWith('docs/'))).toBe(true);
  });

  it.each(inline)('$name: same result as the slow path; only good ones take the fast path', ({ text }) => {
    for (const options of modes) {
      const slow = outcome(() => parseInventoryWith('slow', text, 'inventory.yaml', scratch, options));
      expect(outcome(() => parseInventory(text, 'inventory.yaml', scratch, options))).toEqual(slow);
      // The fast reader steps aside (undefined), or gives the same Inventory, or the same errors
      // at the same places, located by reading only the lines around each (window-locate.ts).
      const fast = outcome(() => parseInventoryWith('fast', text, 'inventory.yaml', scratch, options));
      if ((fast as { inventory?: unknown }).inventory !== undefined || 'error' in (fast as object)) expect(fast).toEqual(slow);
      if ('error' in (fast as object)) locatedByWindows += 1;
    }
  });

  it('bad ones are mostly located by windows, not by reading the whole file with `yaml`', () => {
    expect(locatedByWindows).toBeGreaterThan(20);
  });
});
let locatedByWindows = 0;

// ---------------------------------------------------------------------------------------------
// Tricky YAML, compared at the data level with what the slow path parses (`yaml`, core schema,
// merge keys, unique keys): 'agree' cases must be read by the fast path and give the same data;
// 'defer' cases must be left to the slow path.

const aliases = (count: number) => `a: &a x\nb: [${Array.from({ length: count }, () => '*a').join(', ')}]\n`;
const LAUGHS = 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n';

/** `load: false`: not loaded end to end (yaml's toJS warns on stderr about a collection as a key). */
const TRICKY: readonly { name: string; text: string; fast: 'agree' | 'defer'; load?: false }[] = [
  { name: 'null forms', text: 'a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: ""\ng: [~, null, ]\n', fast: 'agree' },
  { name: 'booleans of YAML 1.2', text: 'a: true\nb: True\nc: TRUE\nd: false\ne: False\nf: FALSE\n', fast: 'agree' },
  { name: 'YAML 1.1 booleans stay strings', text: 'a: yes\nb: no\nc: on\nd: off\ne: y\nf: n\ng: Yes\n', fast: 'agree' },
  { name: 'timestamps stay strings', text: 'a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\nc: 2001-12-14 21:59:43.10 -5\n', fast: 'agree' },
  { name: 'plain decimal numbers', text: 'a: 0\nb: -12\nc: 3.25\nd: -0.5\ne: 65535\nf: 0.0\ng: 123456789012345\n', fast: 'agree' },
  {
    name: 'strings that look almost numeric',
    text: 'a: 192.0.2.4\nb: 1_000\nc: 0b101\nd: 12ab\ne: "0x1F"\nf: \'007\'\ng: 10000-10050\nh: 2001:db8::10\ni: 1:30\nj: 0o8\nk: .x\n',
    fast: 'agree',
  },
  { name: 'merge keys: explicit keys win, before and after', text: 'base: &b { x: 1, y: 2, z: 3 }\nm:\n  x: 0\n  <<: *b\n  y: 4\n', fast: 'agree' },
  { name: 'merge of a list: earlier maps win', text: 'a: &a { x: 1 }\nb: &b { x: 2, y: 2 }\nm: { <<: [*a, *b], z: 3 }\n', fast: 'agree' },
  { name: 'merge of an inline mapping', text: 'm:\n  <<: { x: 1, y: 2 }\n  y: 3\n', fast: 'agree' },
  { name: 'a quoted "<<" is an ordinary key', text: 'm: { "<<": 1, \'<<x\': 2 }\n', fast: 'agree' },
  { name: 'anchored host and its alias', text: 'hosts:\n  - &h { name: a }\n  - *h\n  - name: b\n', fast: 'agree' },
  { name: 'CRLF line ends', text: 'hosts:\r\n  - name: a\r\n    addresses: [a.example.net]\r\n  - { name: b }\r\n', fast: 'agree' },
  { name: 'non-ASCII and astral characters', text: 'a: "😀 é"\nhosts: [ { name: "😀😀" }, { name: é }, { name: ü } ]\n', fast: 'agree' },
  { name: 'explicit document start and end', text: '---\na: 1\n...\n', fast: 'agree' },
  { name: 'flow collections over several lines', text: 'hosts: [\n  { name: a },\n  { name: b,\n    role: noc } ]\n', fast: 'agree' },
  { name: 'comments next to values', text: 'a: b # comment\nc: d#not-a-comment\ne: [f, g] # comment\n', fast: 'agree' },
  { name: 'sequence at the indentation of its key', text: 'hosts:\n- name: a\n- name: b\n  role: noc\n', fast: 'agree' },
  { name: 'keys that are JavaScript names', text: 'constructor: 1\ntoString: 2\nhasOwnProperty: 3\nvalueOf: { a: 1 }\n', fast: 'agree' },
  { name: 'aliases up to the limit', text: aliases(99), fast: 'agree' },

  ...['0o17', '0x1F', '1e3', '1E-2', '.5', '1.', '+1', '007', '-0', '.inf', '-.Inf', '.NaN', '12345678901234567', '0.1234567890123456'].map(
    (number) => ({ name: `number form ${number}`, text: `a: ${number}\n`, fast: 'defer' as const }),
  ),
  { name: '__proto__ key', text: '__proto__: { polluted: 1 }\n', fast: 'defer' },
  { name: 'integer key', text: '1: a\n', fast: 'defer' },
  { name: 'boolean key', text: 'true: a\n', fast: 'defer' },
  { name: 'null key', text: '~: a\n', fast: 'defer' },
  { name: 'empty key', text: ': a\n', fast: 'defer' },
  { name: 'collection key', text: '? [a, b]\n: c\n', fast: 'defer', load: false },
  { name: 'explicit !!str', text: 'a: !!str 12\n', fast: 'defer' },
  { name: '!!binary', text: 'a: !!binary aGk=\n', fast: 'defer' },
  { name: '!!timestamp', text: 'a: !!timestamp 2001-12-14\n', fast: 'defer' },
  { name: 'local tag', text: 'a: !thing x\n', fast: 'defer' },
  { name: '!!set', text: 'a: !!set { x, y }\n', fast: 'defer' },
  { name: 'escape in double quotes', text: 'a: "x\\ty"\n', fast: 'defer' },
  { name: 'escaped quote in single quotes', text: "a: 'it''s'\n", fast: 'defer' },
  { name: 'literal block scalar', text: 'a: |\n  x\n  y\n', fast: 'defer' },
  { name: 'folded block scalar', text: 'a: >-\n  x\n  y\n', fast: 'defer' },
  { name: 'multi-line plain scalar', text: 'a: one\n  two\n', fast: 'defer' },
  { name: 'multi-line quoted scalar', text: 'a: "one\n  two"\n', fast: 'defer' },
  { name: 'two documents', text: 'a: 1\n---\nb: 2\n', fast: 'defer' },
  { name: '%YAML 1.1 directive', text: '%YAML 1.1\n---\na: yes\n', fast: 'defer' },
  { name: '%TAG directive', text: '%TAG !e! tag:example.com,2000:\n---\na: 1\n', fast: 'defer' },
  { name: 'tab', text: 'a:\tb\n', fast: 'defer' },
  { name: 'byte order mark', text: '\uFEFFa: 1\n', fast: 'defer' },
  { name: 'lone CR line ends', text: 'a: 1\rb: 2\r', fast: 'defer' },
  { name: 'line separator', text: 'a: x\u2028y\n', fast: 'defer' },
  { name: 'NEL', text: 'a: x\u0085y\n', fast: 'defer' },
  { name: 'control character', text: 'a: x\u0007y\n', fast: 'defer' },
  { name: 'duplicate key', text: 'a: 1\na: 2\n', fast: 'defer' },
  { name: 'nested aliases (billion laughs)', text: LAUGHS, fast: 'defer' },
  { name: 'more aliases than the limit (yaml refuses the 100th of one anchor)', text: aliases(100), fast: 'defer' },
  { name: 'undefined alias', text: 'a: *nope\n', fast: 'defer' },
  { name: 'recursive alias', text: 'a: &a [*a]\n', fast: 'defer' },
  { name: 'anchor defined twice', text: 'a: &x 1\nb: &x 2\nc: *x\n', fast: 'defer' },
  { name: 'alias as a key', text: 'a: &k x\n*k : y\n', fast: 'defer' },
  { name: 'merge at the top level', text: 'x: &x { name: a }\n<<: *x\n', fast: 'defer' },
  { name: 'two merge keys in one mapping', text: 'm: { <<: { a: 1 }, <<: { b: 2 } }\n', fast: 'defer' },
  { name: '"<<" as a value', text: 'a: <<\nb: [<<]\n', fast: 'defer' },
  { name: 'merge of a scalar', text: 'm: { <<: x }\n', fast: 'defer' },
  { name: 'key longer than yaml allows', text: `${'k'.repeat(1100)}: 1\n`, fast: 'defer' },
  { name: 'nesting deeper than 100', text: `a: ${'['.repeat(150)}${']'.repeat(150)}\n`, fast: 'defer' },
  { name: 'empty text', text: '', fast: 'defer' },
  { name: 'only a comment', text: '# nothing\n', fast: 'defer' },
  { name: 'a null document', text: '~\n', fast: 'defer' },
  { name: 'syntax error', text: 'hosts:\n  - name: psm1\n   role: psm-server\n', fast: 'defer' },
  { name: 'unterminated flow sequence', text: 'hosts: [\n', fast: 'defer' },
  { name: 'flow sequence not indented enough', text: 'a:\n  b: [\nx]\n', fast: 'defer' },
];

/** `yaml`'s data, as the slow path gets it (doc.toJS()); undefined on any YAML error. */
function slowData(text: string): { data: unknown } | undefined {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0 || doc.contents === null) return undefined;
  try {
    return { data: doc.toJS() };
  } catch {
    return undefined;
  }
}

describe('tricky YAML', () => {
  it.each(TRICKY)('$name: $fast', ({ text, fast: expected, load }) => {
    const fast = fastParse(text);
    if (expected === 'defer') {
      expect(fast).toBeUndefined();
    } else {
      expect(fast, 'the fast path stepped aside').toBeDefined();
      const slow = slowData(text);
      expect(slow, 'yaml rejects it').toBeDefined();
      expect(fast?.data).toStrictEqual(slow?.data);
      expect(JSON.stringify(fast?.data)).toBe(JSON.stringify(slow?.data));
    }
    // Loading gives what the slow path gives, whatever that is (mostly an error here).
    if (load === false) return;
    const options = { env: {}, requireSecrets: false };
    expect(outcome(() => parseInventory(text, 'inventory.yaml', scratch, options))).toEqual(
      outcome(() => parseInventoryWith('slow', text, 'inventory.yaml', scratch, options)),
    );
  });

  it('puts each host where the slow path puts it, also after wide characters, tabs in comments aside', () => {
    const text = '# é😀\nhosts: [ { name: "😀😀", role: noc, addresses: [a.example.net] },\n  { name: b, role: noc, addresses: [b.example.net] } ]\r\n';
    const fast = parseInventoryWith('fast', text, 'inv.yaml', scratch);
    expect(fast?.hosts.map((host) => host.location)).toEqual(['inv.yaml:2:10', 'inv.yaml:3:3']);
    expect(parseInventoryWith('slow', text, 'inv.yaml', scratch)?.hosts.map((host) => host.location)).toEqual(fast?.hosts.map((host) => host.location));
  });
});

/**
 * Small random edits of real inventories (a fixed seed, so a failure reproduces): whatever the
 * edit does, the fast reader must agree with `yaml` or step aside. This is how the rules in
 * fast-parse.ts were checked, on many more edits than run here.
 */
describe('random edits of real inventories', () => {
  const TOKENS = [' ', '\n', ':', ': ', '- ', '#', "'", '"', '[', ']', '{', '}', ',', '&a ', '*a', '!', '|', '>', '? ', '<<: ', '~', '0x1', '.5', '1e3', '\\', '\r\n', '%', '---\n', 'é', '😀', '-0', '1:2'];
  const seeds = [example, lab.text, fleetInventory(makeFleet(5, 0.1)), ...inlineInventories().map((inline) => inline.text)];

  it('never disagree with yaml', () => {
    let state = 12345;
    const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    let read = 0;
    for (let round = 0; round < 400; round++) {
      let text = pick(seeds);
      for (let edit = 0; edit < 2; edit++) {
        const at = Math.floor(random() * (text.length + 1));
        text = random() < 0.6 ? text.slice(0, at) + pick(TOKENS) + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
      }
      const fast = fastParse(text);
      if (fast === undefined) continue;
      read += 1;
      const slow = slowData(text);
      expect(slow, text).toBeDefined();
      expect(fast.data, text).toStrictEqual(slow?.data);
    }
    expect(read).toBeGreaterThan(50);
  });
});

describe('errors in a large inventory', () => {
  it('are located by windows at the places the slow path gives', () => {
    const lines = fleetInventory(makeFleet(300, 0.1)).split('\n');
    lines[250] = (lines[250] ?? '').replace('role: network-element,', 'role: network-elemnt, roel: x,');
    lines.splice(100, 1, '  - name: block-host', '    role: network-element', '    neType: bti700', '    addresses: [127.0.0.1]', '    servics: [ssh]');
    lines.push('defaults:', '  timeout: forever');
    const text = lines.join('\n');
    const slow = outcome(() => parseInventoryWith('slow', text, 'inventory.yaml', scratch, { env: {} }));
    const fast = outcome(() => parseInventoryWith('fast', text, 'inventory.yaml', scratch, { env: {} }));
    expect((slow as { error: string }).error).toMatch(/inventory\.yaml:105:5: hosts\[97\]\.servics: unknown key "servics" \(did you mean "services"\?\)/);
    expect(fast).toEqual(slow);
  });
});
