import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InventoryError } from '../src/inventory/errors.js';
import { INVENTORY_FILE_LIMIT, loadInventory, parseInventory } from '../src/inventory/load.js';
import { SECRET_FILE_LIMIT } from '../src/inventory/secret-refs.js';
import { sharedAddresses } from '../src/inventory/shared-addresses.js';

/**
 * Inventories and secret files that are hostile or broken (issue 16, items 11-13): every one is a
 * clear E_INVENTORY at file:line:column, never a hang, a memory blow-up or an internal error.
 * Real files throughout: /dev/zero, FIFOs made with mkfifo, sparse files of the sizes at issue.
 */

const scratch = mkdtempSync(join(tmpdir(), 'psm-netcheck-inventory-hostile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const HOST = '  - { name: psm, role: psm-server, addresses: [127.0.0.1] }\n';

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InventoryError);
    expect((error as InventoryError).code).toBe('E_INVENTORY');
    return (error as InventoryError).message.split('\n');
  }
  throw new Error('expected the inventory to be rejected');
}

const parse = (text: string) => issuesOf(() => parseInventory(text, 'inventory.yaml', scratch, { env: {} }));

async function loadIssues(path: string): Promise<string[]> {
  try {
    await loadInventory(path, { env: {} });
  } catch (error) {
    expect(error).toBeInstanceOf(InventoryError);
    return (error as InventoryError).message.split('\n');
  }
  throw new Error('expected the inventory to be rejected');
}

function fifo(name: string): string {
  const path = join(scratch, name);
  execFileSync('mkfifo', [path]);
  return path;
}

function sparse(name: string, bytes: number): string {
  const path = join(scratch, name);
  writeFileSync(path, '');
  truncateSync(path, bytes);
  return path;
}

describe('secret files', () => {
  const withSecret = (file: string) =>
    `credentials:\n  s:\n    ssh: { username: probe, password: { file: ${JSON.stringify(file)} } }\nhosts:\n  - { name: psm, role: psm-server, addresses: [127.0.0.1], credentials: [s] }\n`;

  it('refuses /dev/zero at the reference', () => {
    expect(parse(withSecret('/dev/zero'))).toEqual([
      'inventory.yaml:3:47: credentials.s.ssh.password.file: secret file /dev/zero is not a regular file (a character device)',
    ]);
  });

  it('refuses a FIFO with no writer, without waiting for one', () => {
    const path = fifo('secret-fifo');
    // Synchronous: a blocking open would hang the test (its timeout), so passing is the proof.
    expect(parse(withSecret(path))).toEqual([
      `inventory.yaml:3:47: credentials.s.ssh.password.file: secret file ${path} is not a regular file (a FIFO)`,
    ]);
  });

  it('refuses a 200 MB file as a secret', () => {
    const path = sparse('huge-secret', 200 * 2 ** 20);
    expect(parse(withSecret(path))).toEqual([
      `inventory.yaml:3:47: credentials.s.ssh.password.file: secret file ${path} is larger than 64 KiB, the limit`,
    ]);
  });

  it('takes a secret of exactly the limit', () => {
    const path = join(scratch, 'big-key');
    writeFileSync(path, 'k'.repeat(SECRET_FILE_LIMIT));
    const inventory = parseInventory(withSecret(path), 'inventory.yaml', scratch, { env: {} });
    expect(inventory.hosts[0]?.credentials.ssh?.password?.reveal()).toHaveLength(SECRET_FILE_LIMIT);
  });
});

describe('the inventory file', () => {
  it('refuses /dev/zero', async () => {
    expect(await loadIssues('/dev/zero')).toEqual(['/dev/zero: the inventory /dev/zero is not a regular file (a character device)']);
  });

  it('refuses a FIFO with no writer', async () => {
    const path = fifo('inventory-fifo');
    expect(await loadIssues(path)).toEqual([`${path}: the inventory ${path} is not a regular file (a FIFO)`]);
  });

  it('refuses a file over the limit before reading it', async () => {
    const path = sparse('huge.yaml', INVENTORY_FILE_LIMIT + 1);
    expect(await loadIssues(path)).toEqual([`${path}: the inventory ${path} is larger than 16 MiB, the limit`]);
  });

  it('refuses a directory', async () => {
    expect(await loadIssues(scratch)).toEqual([`${scratch}: cannot read the inventory ${scratch}: is a directory`]);
  });
});

describe('YAML that is an error', () => {
  it('refuses a billion laughs at its first alias', () => {
    let text = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
    for (let level = 1; level < 10; level += 1) {
      const name = String.fromCharCode(97 + level);
      const previous = String.fromCharCode(96 + level);
      text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]\n`;
    }
    const lines = parse(`${text}hosts:\n${HOST}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^inventory\.yaml:2:8: b\[0\]: aliases expand too much/);
  });

  it('refuses an alias with no anchor', () => {
    expect(parse(`hosts:\n  - *nope\n`)).toEqual(['inventory.yaml:2:5: hosts[0]: alias *nope has no anchor &nope before it']);
  });

  it('refuses 3,000 levels of flow nesting', () => {
    expect(parse(`hosts:\n${HOST}x: ${'['.repeat(3000)}${']'.repeat(3000)}\n`)).toEqual([
      'inventory.yaml:3:103: YAML nested more than 100 levels deep',
    ]);
  });

  it('refuses 3,000 levels of block nesting', () => {
    const block = Array.from({ length: 3000 }, (_, level) => `${'  '.repeat(level + 1)}- \n`).join('');
    const lines = parse(`hosts:\n${HOST}x:\n${block}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^inventory\.yaml:\d+:\d+: YAML nested more than 100 levels deep$/);
  });

  it('refuses unknown tags', () => {
    expect(parse(`hosts:\n  - { name: !!js/function "function () {}", role: psm-server, addresses: [127.0.0.1] }\n`)).toEqual([
      'inventory.yaml:2:13: hosts[0]: unknown YAML tag: tag:yaml.org,2002:js/function',
    ]);
    expect(parse(`hosts:\n  - { name: !local psm, role: psm-server, addresses: [127.0.0.1] }\n`)).toEqual([
      'inventory.yaml:2:13: hosts[0]: unknown YAML tag: !local',
    ]);
  });

  it.each([
    ['NUL', '"ps\\0m"'],
    ['ESC', '"ps\\em"'],
    ['BEL, raw', 'ps\u0007m'],
  ])('refuses a control character (%s) in a name', (_name, written) => {
    expect(parse(`hosts:\n  - { name: ${written}, role: psm-server, addresses: [127.0.0.1] }\n`)).toEqual([
      'inventory.yaml:2:13: hosts[0].name: a name must not contain control characters',
    ]);
  });

  it('refuses the same address twice in one host', () => {
    expect(parse(`hosts:\n  - { name: psm, role: psm-server, addresses: [127.0.0.1, 127.0.0.1] }\n`)).toEqual([
      'inventory.yaml:2:59: hosts[0].addresses[1]: duplicate address "127.0.0.1"',
    ]);
  });

  it('allows two hosts sharing an address, and names them', () => {
    const inventory = parseInventory(
      `hosts:\n${HOST}  - { name: ntp, role: ntp-server, addresses: [127.0.0.1, 127.0.0.2] }\n`,
      'inventory.yaml',
      scratch,
      { env: {} },
    );
    expect(sharedAddresses(inventory)).toEqual([{ address: '127.0.0.1', hosts: ['psm', 'ntp'] }]);
  });
});
