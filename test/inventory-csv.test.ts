import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InventoryError } from '../src/inventory/errors.js';
import { loadInventory } from '../src/inventory/load.js';

/** `hostsFrom:` CSV host lists next to the inventory (issue 19 §1), read from real files. */

const scratch = mkdtempSync(join(tmpdir(), 'psm-netcheck-inventory-csv-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
/** A directory with inventory.yaml and the given CSV files; returns the inventory's path. */
function write(yaml: string, files: Record<string, string>): string {
  counter += 1;
  const dir = join(scratch, `case-${counter}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'inventory.yaml'), yaml);
  return join(dir, 'inventory.yaml');
}

async function issues(path: string): Promise<string[]> {
  try {
    await loadInventory(path, { env: {}, requireSecrets: false });
  } catch (error) {
    expect(error).toBeInstanceOf(InventoryError);
    return (error as InventoryError).message.split('\n');
  }
  throw new Error('expected the inventory to be rejected');
}

const YAML = `credentials:
  ne-ssh:
    ssh: { username: probe, password: { env: NE_PASSWORD } }
hosts:
  - { name: psm, role: psm-server, addresses: [127.0.0.1] }
hostsFrom:
  - file: elements.csv
    columns: { name: Element, addresses: IP, neType: Type }
    defaults: { role: network-element, credentials: [ne-ssh] }
`;

describe('hostsFrom', () => {
  it('appends a host per row, with the column mapping and the defaults', async () => {
    const path = write(YAML, {
      'elements.csv': 'Element,IP,Type,Site\nne-1,127.0.0.2,bti7800,Oslo\n"ne-2","127.0.0.3; ::1",bti700,Bergen\n',
    });
    const inventory = await loadInventory(path, { env: {}, requireSecrets: false });
    expect(inventory.hosts.map((host) => [host.name, host.roles, host.neType, host.addresses, host.location])).toEqual([
      ['psm', ['psm-server'], undefined, ['127.0.0.1'], `${path}:5:5`],
      ['ne-1', ['network-element'], 'bti7800', ['127.0.0.2'], `${join(path, '..', 'elements.csv')}:2:1`],
      ['ne-2', ['network-element'], 'bti700', ['127.0.0.3', '::1'], `${join(path, '..', 'elements.csv')}:3:1`],
    ]);
  });

  it('reads the fields from columns named like them when there is no mapping', async () => {
    const path = write('hosts: []\nhostsFrom:\n  - file: hosts.csv\n', {
      'hosts.csv': 'name,addresses,role,neType\npsm,127.0.0.1,psm-server,\nne-1,127.0.0.2,network-element,bti800\nboth,127.0.0.3,noc;ntp-server,\n',
    });
    const inventory = await loadInventory(path, { env: {}, requireSecrets: false });
    expect(inventory.hosts.map((host) => [host.name, host.roles, host.neType])).toEqual([
      ['psm', ['psm-server'], undefined],
      ['ne-1', ['network-element'], 'bti800'],
      ['both', ['noc', 'ntp-server'], undefined],
    ]);
  });

  it('reports problems of a row at file.csv:line:column of its cell', async () => {
    const path = write(YAML, {
      'elements.csv': 'Element,IP,Type\nne-1,127.0.0.2,bti7800\nne-2,300.1.1.1,bti7800\nne-3,127.0.0.4,nosuch\nne-1,127.0.0.5,bti700\n',
    });
    const csv = join(path, '..', 'elements.csv');
    expect(await issues(path)).toEqual([
      `${csv}:3:6: addresses[0]: expected an IPv4/IPv6 address or DNS name, got "300.1.1.1"`,
      `${csv}:4:16: neType: expected a network element type (bti7800, juniper-mx, bti7000, bti700, bti800), got "nosuch"`,
      `${csv}:5:1: name: duplicate host name "ne-1" (first declared at ${csv}:2:1)`,
    ]);
  });

  it('reports a missing column, a CSV syntax error and an unreadable file', async () => {
    const csv = (dir: string) => join(dir, '..', 'elements.csv');
    const missing = write(YAML, { 'elements.csv': 'Name,IP,Type\nne-1,127.0.0.2,bti7800\n' });
    expect(await issues(missing)).toEqual([`${csv(missing)}:1:1: no column "Element" for name (the columns: Name, IP, Type)`]);
    const broken = write(YAML, { 'elements.csv': 'Element,IP,Type\nne-1,"127.0.0.2,bti7800\n' });
    const lines = await issues(broken);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${csv(broken).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:1: CSV syntax error: `));
    const absent = write(YAML, {});
    expect(await issues(absent)).toEqual([
      `${absent}:7:11: hostsFrom[0].file: cannot read host list ${join(absent, '..', 'elements.csv')}: no such file`,
    ]);
    const device = write(YAML.replace('file: elements.csv', 'file: /dev/zero'), {});
    expect(await issues(device)).toEqual([`${device}:7:11: hostsFrom[0].file: host list /dev/zero is not a regular file (a character device)`]);
  });
});
