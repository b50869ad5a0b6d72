import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { InventoryError } from '../src/inventory/errors.js';
import { inventoryJsonSchema } from '../src/inventory/json-schema.js';
import { loadInventory, parseInventory } from '../src/inventory/load.js';
import { isDnsName } from '../src/inventory/schema.js';
import { parseDuration } from '../src/core/settings.js';
import { NE_TYPES, ROLES } from '../src/core/model.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const examplePath = join(root, 'inventory.example.yaml');

const scratch = mkdtempSync(join(tmpdir(), 'psm-netcheck-inventory-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The lines of the InventoryError that parsing `text` throws (no environment variables set). */
function errorLines(text: string): string[] {
  try {
    parseInventory(text, 'inventory.yaml', scratch, { env: {} });
  } catch (error) {
    expect(error).toBeInstanceOf(InventoryError);
    expect((error as InventoryError).code).toBe('E_INVENTORY');
    return (error as InventoryError).message.split('\n');
  }
  throw new Error('expected the inventory to be rejected');
}

describe('inventory.example.yaml', () => {
  it('loads without secrets in plan mode, with every role and NE type', async () => {
    const inventory = await loadInventory(examplePath, { requireSecrets: false, env: {} });
    expect(inventory.source).toBe(examplePath);
    expect(inventory.name).toBe('example-deployment');
    expect(inventory.defaults).toEqual({ timeoutMs: 2000, retries: 1, concurrency: 0, perHostConcurrency: 2, maxBytes: 65536, maxRate: 0 });
    const roles = new Set(inventory.hosts.flatMap((host) => host.roles));
    expect([...roles].sort()).toEqual([...ROLES].sort());
    const neTypes = inventory.hosts.flatMap((host) => (host.neType ? [host.neType] : []));
    expect([...neTypes].sort()).toEqual([...NE_TYPES].sort());
    // Plan mode reads no secret: every slot stays empty.
    for (const host of inventory.hosts) {
      expect(host.credentials).toEqual({});
      expect(host.location).toMatch(new RegExp(`^${examplePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:5$`));
    }

    const psm1 = inventory.hosts.find((host) => host.name === 'psm1');
    expect(psm1?.ports).toEqual({ rest: 9443, replication: [10000, 10050] });
    expect(psm1?.services).toEqual(['ntp', 'sftp']);
    const syslog = inventory.hosts.find((host) => host.name === 'syslog1');
    expect(syslog?.probeOptions.udp).toEqual({ payload: '3c31343e70736d2d6e6574636865636b' });
    const globalProbes = { snmp: { oids: ['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.5.0'] }, ftp: { quit: true } };
    expect(inventory.probeOptions).toEqual(globalProbes);
    // A host's options are merged over the global ones.
    expect(syslog?.probeOptions).toEqual({ ...globalProbes, udp: { payload: '3c31343e70736d2d6e6574636865636b' } });

    expect(inventory.paths).toEqual([
      {
        name: 'no-telnet-to-ne',
        description: 'The firewall must block telnet from the NOC to the elements.',
        from: 'noc',
        to: 'ne-7800-east',
        transport: 'tcp',
        ports: [23],
        expect: 'closed',
        probe: 'tcp',
      },
      { name: 'noc-pings-psm', from: 'noc', to: 'psm1', transport: 'icmp', ports: [], expect: 'open', probe: 'icmp' },
    ]);
  });

  it('reports every unreadable secret in check mode, by name only', async () => {
    const error = await loadInventory(examplePath, { env: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InventoryError);
    const lines = (error as InventoryError).message.split('\n');
    expect(lines).toContain(
      `${examplePath}:34:24: credentials.ne-ssh.ssh.password.env: environment variable NE_SSH_PASSWORD is not set`,
    );
    expect(lines).toContain(
      `${examplePath}:48:24: credentials.ne-snmpv3.snmp.authKey.file: cannot read secret file ${join(root, 'secrets/snmp-auth')}: no such file`,
    );
    expect(lines).toHaveLength(8);
  });

  it('validates against the committed JSON Schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(inventoryJsonSchema());
    const data: unknown = parseYaml(readFileSync(examplePath, 'utf8'));
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ hosts: [], typo: 1 })).toBe(false);
    // Hosts from CSV files only: the YAML may have no hosts of its own, but needs one or the other.
    expect(validate({ hostsFrom: [{ file: 'hosts.csv' }] }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ hosts: [], hostsFrom: [{ file: 'hosts.csv' }] }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ hosts: [] })).toBe(false);
    expect(validate({})).toBe(false);
  });
});

describe('schemas/inventory.schema.json', () => {
  it('is what inventoryJsonSchema() generates (run `npm run schemas` after changing a schema)', () => {
    const committed: unknown = JSON.parse(readFileSync(join(root, 'schemas/inventory.schema.json'), 'utf8'));
    expect(committed).toEqual(inventoryJsonSchema());
  });

  it('names itself and keeps the option documentation', () => {
    const schema = inventoryJsonSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe('urn:psm-netcheck:schema:inventory');
    expect(schema.title).toBe('psm-netcheck inventory');
    const defaults = (schema.properties as Record<string, { properties: Record<string, { default: unknown; description: string }> }>)
      .defaults?.properties;
    expect(defaults?.timeout?.default).toBe('2s');
    expect(defaults?.perHostConcurrency?.default).toBe(4);
    expect(defaults?.maxBytes?.description).toMatch(/65536/);
  });
});

/**
 * Bad inventories with the exact lines they must produce. Each text is a whole file named
 * inventory.yaml, so line:column can be read off the text.
 */
const BAD_INVENTORIES: readonly { name: string; text: string; errors: string[] }[] = [
  {
    name: 'unknown key (with a suggestion), pointing at the key',
    text: `hosts:
  - name: psm1
    role: psm-server
    addresses: [192.0.2.10]
    servics: [ntp]
`,
    errors: ['inventory.yaml:5:5: hosts[0].servics: unknown key "servics" (did you mean "services"?)'],
  },
  {
    name: 'unknown top-level key',
    text: `hosts:
  - name: psm1
    role: psm-server
    addresses: [192.0.2.10]
colour: blue
`,
    errors: ['inventory.yaml:5:1: colour: unknown key "colour"'],
  },
  {
    name: 'wrong types',
    text: `defaults:
  retries: lots
hosts:
  - name: psm1
    role: psm-server
    addresses: 192.0.2.10
`,
    errors: [
      'inventory.yaml:2:12: defaults.retries: expected a whole number from 0 to 10 (retries), got "lots"',
      'inventory.yaml:6:16: hosts[0].addresses: expected a list, got a string',
    ],
  },
  {
    name: 'missing required key, at the mapping that lacks it',
    text: `hosts:
  - name: psm1
    role: psm-server
`,
    errors: ['inventory.yaml:2:5: hosts[0]: missing required key "addresses"'],
  },
  {
    name: 'duplicate host name',
    text: `hosts:
  - name: psm1
    role: psm-server
    addresses: [192.0.2.10]
  - name: psm1
    role: psm-client
    addresses: [192.0.2.11]
`,
    errors: ['inventory.yaml:5:11: hosts[1].name: duplicate host name "psm1" (first declared at inventory.yaml:2:5)'],
  },
  {
    name: 'duplicate YAML key',
    text: `hosts:
  - name: psm1
    role: psm-server
    addresses: [192.0.2.10]
    role: psm-client
`,
    errors: ['inventory.yaml:5:5: hosts[0].role: duplicate key "role"'],
  },
  {
    name: 'bad IPv4 address and bad DNS name',
    text: `hosts:
  - name: psm1
    role: psm-server
    addresses: [192.0.2.10, 300.1.2.3, "-bad-.example.net"]
`,
    errors: [
      'inventory.yaml:4:29: hosts[0].addresses[1]: expected an IPv4/IPv6 address or DNS name, got "300.1.2.3"',
      'inventory.yaml:4:40: hosts[0].addresses[2]: expected an IPv4/IPv6 address or DNS name, got "-bad-.example.net"',
    ],
  },
  {
    name: 'bad ports',
    text: `hosts:
  - name: psm1
    role: psm-server
    addresses: [192.0.2.10]
    ports: { rest: 70000, ssh: 0, dashboard: "80x", jmx: true, replication: "9999-70000" }
`,
    errors: [
      'inventory.yaml:5:20: hosts[0].ports.rest: expected a port number 1-65535, got 70000',
      'inventory.yaml:5:32: hosts[0].ports.ssh: expected a port number 1-65535, got 0',
      'inventory.yaml:5:46: hosts[0].ports.dashboard: expected a port 1-65535 or a range "from-to", got "80x"',
      'inventory.yaml:5:58: hosts[0].ports.jmx: expected a port 1-65535 or a range "from-to", got true',
      'inventory.yaml:5:77: hosts[0].ports.replication: port 70000 in "9999-70000" is outside 1-65535',
    ],
  },
  {
    name: 'unknown port key',
    text: `hosts:
  - name: psm1
    role: psm-server
    addresses: [192.0.2.10]
    ports: { rests: 9443 }
`,
    errors: ['inventory.yaml:5:14: hosts[0].ports.rests: unknown key "rests" (did you mean "rest"?)'],
  },
  {
    name: 'reversed port range',
    text: `hosts:
  - name: psm1
    role: psm-server
    addresses: [192.0.2.10]
    ports:
      replication: "10100-9999"
`,
    errors: ['inventory.yaml:6:20: hosts[0].ports.replication: range "10100-9999" is reversed: expected from <= to'],
  },
  {
    name: 'neType on a host that is not a network element',
    text: `hosts:
  - name: psm1
    role: psm-server
    neType: bti7800
    addresses: [192.0.2.10]
`,
    errors: ['inventory.yaml:4:13: hosts[0].neType: neType is only for network-element hosts'],
  },
  {
    name: 'network element without neType',
    text: `hosts:
  - name: ne1
    roles: [network-element]
    addresses: [198.51.100.1]
`,
    errors: ['inventory.yaml:2:5: hosts[0]: a network-element needs "neType" (bti7800, juniper-mx, bti7000, bti700, bti800)'],
  },
  {
    name: 'neither role nor roles',
    text: `hosts:
  - name: psm1
    addresses: [192.0.2.10]
`,
    errors: ['inventory.yaml:2:5: hosts[0]: a host needs "role" or "roles"'],
  },
  {
    name: 'unknown credential references, in role defaults and on a host',
    text: `defaults:
  credentials:
    network-element: [ne-shh]
credentials:
  ne-ssh:
    ssh: { username: netcheck, password: { env: NE_SSH_PASSWORD } }
hosts:
  - name: ne1
    role: network-element
    neType: bti700
    addresses: [198.51.100.1]
    credentials: [nope]
`,
    errors: [
      'inventory.yaml:3:23: defaults.credentials.network-element[0]: unknown credential set "ne-shh" (defined: ne-ssh)',
      'inventory.yaml:12:19: hosts[0].credentials[0]: unknown credential set "nope" (defined: ne-ssh)',
    ],
  },
  {
    name: 'unknown host in a path',
    text: `hosts:
  - name: noc
    role: noc
    addresses: [203.0.113.5]
paths:
  - name: no-telnet
    from: noc
    to: psm9
    transport: tcp
    ports: [23]
    expect: closed
`,
    errors: ['inventory.yaml:8:9: paths[0].to: unknown host "psm9"'],
  },
  {
    name: 'incomplete path',
    text: `hosts:
  - name: noc
    role: noc
    addresses: [203.0.113.5]
paths:
  - name: half
    from: noc
    probe: udp
`,
    errors: [
      'inventory.yaml:6:5: paths[0]: missing required key "to"',
      'inventory.yaml:6:5: paths[0]: missing required key "transport"',
    ],
  },
  {
    name: 'missing environment variable and unreadable secret file',
    text: `credentials:
  snmp-ro:
    snmp: { version: 2c, community: { env: PSM_TEST_MISSING } }
  ssh-key:
    ssh: { username: netcheck, privateKey: { file: no-such-key } }
  unused:
    ssh: { username: netcheck, password: { env: NOBODY_USES_THIS } }
hosts:
  - name: ne1
    role: network-element
    neType: bti800
    addresses: [198.51.100.1]
    credentials: [snmp-ro, ssh-key]
`,
    errors: [
      'inventory.yaml:3:44: credentials.snmp-ro.snmp.community.env: environment variable PSM_TEST_MISSING is not set',
      `inventory.yaml:5:52: credentials.ssh-key.ssh.privateKey.file: cannot read secret file ${join(scratch, 'no-such-key')}: no such file`,
    ],
  },
  {
    name: 'a secret written in clear is refused without being echoed',
    text: `credentials:
  c:
    ssh: { username: u, password: hunter2-in-clear }
    snmp: { version: 2c, community: { env: "hunter3 in clear" } }
hosts:
  - name: ne1
    role: network-element
    neType: bti800
    addresses: [198.51.100.1]
    credentials: [c]
`,
    errors: [
      'inventory.yaml:3:35: credentials.c.ssh.password: expected a secret reference { env: VARIABLE } or { file: PATH }; secrets are never written in the inventory',
      'inventory.yaml:4:44: credentials.c.snmp.community.env: expected an environment variable name (letters, digits and _)',
    ],
  },
  {
    name: 'incomplete SNMPv3 and unknown SNMP version',
    text: `credentials:
  v3:
    snmp: { version: 3, user: netcheck, level: authNoPriv, authKey: { env: A } }
  v1:
    snmp: { version: 1, community: { env: A } }
hosts:
  - name: ne1
    role: network-element
    neType: bti800
    addresses: [198.51.100.1]
`,
    errors: [
      'inventory.yaml:3:11: credentials.v3.snmp: level authNoPriv needs authProtocol',
      'inventory.yaml:5:22: credentials.v1.snmp.version: expected version "2c" or "3"',
    ],
  },
  {
    name: 'YAML syntax error',
    text: `hosts:
  - name: psm1
   role: psm-server
`,
    errors: ['inventory.yaml:3:1: YAML syntax error: Sequence item without - indicator'],
  },
  {
    name: 'empty file',
    text: '',
    errors: ['inventory.yaml:1:1: the inventory is empty; it needs at least "hosts"'],
  },
  {
    name: 'many problems at once, in file order',
    text: `name: multi
defaults:
  timeout: fast
credentials:
  ne-snmp:
    snmp: { version: 2c, community: { env: PSM_TEST_COMMUNITY } }
hosts:
  - name: psm1
    role: psm-server
    roles: [psm-client]
    addresses: []
    services: [tftp]
  - name: ne1
    role: network-element
    neType: bti9000
    addresses: [198.51.100.1]
    credentials: [ne-snmp, ne-ssh]
    probes:
      udp: { colour: red }
  - name: dns1
    role: dns-server
    addresses: [203.0.113.53]
    addresses: [203.0.113.54]
    services: [ntp]
paths:
  - name: icmp-with-ports
    from: ne1
    to: dns2
    transport: icmp
    ports: [1]
`,
    errors: [
      'inventory.yaml:3:12: defaults.timeout: expected a duration from 1ms to 10m (milliseconds, or text such as "500ms", "2s", "1m"), got "fast"',
      'inventory.yaml:6:44: credentials.ne-snmp.snmp.community.env: environment variable PSM_TEST_COMMUNITY is not set',
      'inventory.yaml:10:12: hosts[0].roles: give either "role" or "roles", not both',
      'inventory.yaml:11:16: hosts[0].addresses: expected at least one address',
      'inventory.yaml:12:16: hosts[0].services[0]: expected a service (ftp, sftp, ntp, radius), got "tftp"',
      'inventory.yaml:15:13: hosts[1].neType: expected a network element type (bti7800, juniper-mx, bti7000, bti700, bti800), got "bti9000"',
      'inventory.yaml:17:28: hosts[1].credentials[1]: unknown credential set "ne-ssh" (defined: ne-snmp)',
      'inventory.yaml:19:14: hosts[1].probes.udp.colour: unknown key "colour"',
      'inventory.yaml:23:5: hosts[2].addresses: duplicate key "addresses"',
      'inventory.yaml:24:15: hosts[2].services: services are only for psm-server or psm-client hosts',
      'inventory.yaml:28:9: paths[0].to: unknown host "dns2"',
      'inventory.yaml:30:12: paths[0].ports: an icmp path has no ports',
    ],
  },
];

describe('bad inventories', () => {
  it.each(BAD_INVENTORIES)('$name', ({ text, errors }) => {
    expect(errorLines(text)).toEqual(errors);
  });

  it('exposes each issue as data', () => {
    try {
      parseInventory('hosts:\n  - name: a\n    role: noc\n    addresses: [192.0.2.999]\n', 'lab.yaml', scratch);
      expect.unreachable();
    } catch (error) {
      expect((error as InventoryError).issues).toEqual([
        {
          file: 'lab.yaml',
          line: 4,
          column: 17,
          path: 'hosts[0].addresses[0]',
          message: 'expected an IPv4/IPv6 address or DNS name, got "192.0.2.999"',
        },
      ]);
    }
  });

  it('reports a file that cannot be read', async () => {
    const missing = join(scratch, 'absent.yaml');
    await expect(loadInventory(missing)).rejects.toThrow(`${missing}: cannot read the inventory ${missing}: no such file`);
  });
});

describe('credentials', () => {
  const ENV = {
    NE_SSH_PASSWORD: 'pw-from-env-Zq81',
    NE_SSH_KEY_PASSPHRASE: 'passphrase-from-env-Lk20',
    SNMP_COMMUNITY: 'community-from-env-Xy77',
    SNMP_PRIV: 'priv-from-env-Mm42',
    RADIUS_SECRET: 'radius-from-env-Rr09',
    RADIUS_PROBE_PASSWORD: 'probe-pw-from-env-Pp55',
  };
  const FILES = {
    'secrets/netcheck_ed25519': 'key-from-file-Kf63\n',
    'secrets/snmp-auth': 'auth-from-file-Af18\r\n',
  };
  const SECRET_VALUES = [...Object.values(ENV), ...Object.values(FILES).map((text) => text.trim())];

  /** A copy of the example with its secret files beside it. */
  function exampleWithSecrets(): string {
    const dir = mkdtempSync(join(scratch, 'example-'));
    copyFileSync(examplePath, join(dir, 'inventory.yaml'));
    mkdirSync(join(dir, 'secrets'));
    for (const [file, text] of Object.entries(FILES)) writeFileSync(join(dir, file), text);
    return join(dir, 'inventory.yaml');
  }

  it('resolves role defaults then host sets, a later set winning per slot', async () => {
    const inventory = await loadInventory(exampleWithSecrets(), { env: ENV });
    const host = (name: string) => inventory.hosts.find((candidate) => candidate.name === name)?.credentials;

    // Defaults of network-element: ne-ssh (password) and ne-snmp (v2c).
    const west = host('ne-7000-west');
    expect(west?.ssh?.username).toBe('netcheck');
    expect(west?.ssh?.password?.reveal()).toBe(ENV.NE_SSH_PASSWORD);
    expect(west?.snmp?.version).toBe('2c');

    // The host's ne-snmpv3 replaces the default snmp slot; ssh stays from the defaults.
    const east = host('ne-7800-east');
    expect(east?.ssh?.password?.reveal()).toBe(ENV.NE_SSH_PASSWORD);
    expect(east?.snmp).toMatchObject({ version: '3', user: 'netcheck', level: 'authPriv', authProtocol: 'sha256', privProtocol: 'aes' });
    // Secret files are read relative to the inventory, without their trailing newline.
    expect(east?.snmp?.version === '3' && east.snmp.authKey?.reveal()).toBe('auth-from-file-Af18');

    // ne-ssh-key replaces the password login with a key login.
    const mx = host('ne-mx-core');
    expect(mx?.ssh?.password).toBeUndefined();
    expect(mx?.ssh?.privateKey?.reveal()).toBe('key-from-file-Kf63');
    expect(mx?.ssh?.passphrase?.reveal()).toBe(ENV.NE_SSH_KEY_PASSPHRASE);

    const radius = host('radius1')?.radius;
    expect(radius?.secret.reveal()).toBe(ENV.RADIUS_SECRET);
    expect(radius?.probeUser?.username).toBe('netcheck-probe');
    expect(host('psm1')).toEqual({});
  });

  it('leaves a slot absent when its secret is unreadable and secrets are not required', async () => {
    const inventory = await loadInventory(examplePath, { requireSecrets: false, env: { SNMP_COMMUNITY: 'c-Qw12' } });
    const west = inventory.hosts.find((host) => host.name === 'ne-7000-west');
    expect(west?.credentials.ssh).toBeUndefined();
    expect(west?.credentials.snmp?.version).toBe('2c');
    // ne-snmpv3 cannot be read (no files, no SNMP_PRIV): it does not replace the readable v2c set.
    const east = inventory.hosts.find((host) => host.name === 'ne-7800-east');
    expect(east?.credentials.snmp?.version).toBe('2c');
  });

  it('never puts a secret value in the inventory JSON or in an error message', async () => {
    const path = exampleWithSecrets();
    const inventory = await loadInventory(path, { env: ENV });
    const json = JSON.stringify(inventory);
    expect(json).toContain('[redacted]');
    for (const value of SECRET_VALUES) expect(json).not.toContain(value);

    // The same inventory with an error in it: the message lists problems, never secrets.
    writeFileSync(path, readFileSync(path, 'utf8').replace('addresses: [203.0.113.5]', 'addresses: [300.0.0.1]'));
    const error = await loadInventory(path, { env: ENV }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InventoryError);
    const text = `${(error as Error).message}\n${JSON.stringify((error as InventoryError).issues)}`;
    expect(text).toContain('300.0.0.1');
    for (const value of SECRET_VALUES) expect(text).not.toContain(value);
  });

  it('does not quote the source line of a YAML syntax error (it may hold a secret)', () => {
    const lines = errorLines('credentials:\n  c:\n    ssh: { username: u, password: "s3cret-Gh71 }\nhosts: []\n');
    expect(lines.join('\n')).not.toContain('s3cret-Gh71');
    expect(lines[0]).toMatch(/^inventory\.yaml:\d+:\d+: YAML syntax error: /);
  });
});

describe('scalars', () => {
  it.each([
    ['500ms', 500],
    ['2s', 2000],
    ['1.5s', 1500],
    ['1m', 60_000],
    ['2 s', undefined],
    ['2h', 7_200_000],
    ['2d', undefined],
  ])('parseDuration(%j) = %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('accepts durations as ms numbers or with a unit', () => {
    const text = (timeout: string) => `defaults: { timeout: ${timeout} }\nhosts: [{ name: a, role: noc, addresses: [a.example.net] }]\n`;
    expect(parseInventory(text('750'), 'x', scratch).defaults.timeoutMs).toBe(750);
    expect(parseInventory(text('1m'), 'x', scratch).defaults.timeoutMs).toBe(60_000);
    const range = 'expected a duration from 1ms to 10m (milliseconds, or text such as "500ms", "2s", "1m")';
    expect(errorLines(text('0s'))).toEqual([`inventory.yaml:1:22: defaults.timeout: ${range}, got "0s"`]);
    // Past Node's timer range (2^31 - 1 ms) a timer fires at once: every duration has a maximum.
    expect(errorLines(text('3000000000'))).toEqual([`inventory.yaml:1:22: defaults.timeout: ${range}, got 3000000000`]);
    expect(errorLines(text('11m'))).toEqual([`inventory.yaml:1:22: defaults.timeout: ${range}, got "11m"`]);
  });

  it.each([
    ['ne1.example.net', true],
    ['ne1.example.net.', true],
    ['localhost', true],
    ['a-b.c', true],
    ['-ab.example.net', false],
    ['ab-.example.net', false],
    ['a..b', false],
    ['under_score.example.net', false],
    ['192.0.2.4', false],
    [`${'a'.repeat(64)}.example.net`, false],
  ])('isDnsName(%j) = %j', (name, valid) => {
    expect(isDnsName(name)).toBe(valid);
  });
});
