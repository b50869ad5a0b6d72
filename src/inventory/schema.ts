import { isIP } from 'node:net';
import { z } from 'zod';
import { PORT_KEYS } from '../matrix/types.js';
import { EXPECTATIONS, NE_TYPES, OPTIONAL_SERVICES, ROLES, TRANSPORTS } from '../core/model.js';
import { PROBE_KINDS, PROBES } from '../../probes/registry.js';
import { showValue } from './show-value.js';
import { runSettingsShape } from '../core/settings.js';

/**
 * The inventory as written in YAML (docs/inventory-format.md). Every object is strict, so a typo in
 * a key is an error rather than a silently ignored setting. ./load.ts checks what a schema cannot
 * (references between sections, secrets) and builds the `Inventory` of ./types.ts.
 *
 * Messages written here may quote the offending value: none of these positions holds a secret
 * (secrets are only ever references such as { env: VAR }).
 */

/**
 * RFC 1123 host name: dot-separated labels of letters, digits and hyphens, no label starting or
 * ending with a hyphen, at most 63 characters a label and 253 in all, an optional final dot.
 * The last label must not be all digits, so "300.1.2.3" is a bad IPv4 address, not a name.
 */
export function isDnsName(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (!labels.every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label))) return false;
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

export function isHostAddress(text: string): boolean {
  return isIP(text) !== 0 || isDnsName(text);
}

const addressMessage = (input: unknown) => `expected an IPv4/IPv6 address or DNS name, got ${showValue(input)}`;
const address = z
  .string({ error: (iss) => addressMessage(iss.input) })
  .refine(isHostAddress, { error: (iss) => addressMessage(iss.input) })
  .describe('An IPv4 or IPv6 literal (no brackets, no port) or a DNS host name.');

const portMessage = (input: unknown) => `expected a port number 1-65535, got ${showValue(input)}`;
const portNumber = z
  .number({ error: (iss) => portMessage(iss.input) })
  .int({ error: (iss) => portMessage(iss.input) })
  .min(1, { error: (iss) => portMessage(iss.input) })
  .max(65535, { error: (iss) => portMessage(iss.input) });

const PORT_TEXT = /^(\d+)(?:-(\d+))?$/;

/** "9443" or "9999-10005" (inclusive, from <= to). */
const portText = z
  .string()
  .regex(PORT_TEXT, {
    error: (iss) => `expected a port 1-65535 or a range "from-to", got ${showValue(iss.input)}`,
  })
  .superRefine((text, ctx) => {
    const match = PORT_TEXT.exec(text);
    if (!match) return; // the pattern check above already reported it
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    for (const port of [from, to]) {
      if (port < 1 || port > 65535) {
        ctx.addIssue({ code: 'custom', message: `port ${port} in ${showValue(text)} is outside 1-65535` });
        return;
      }
    }
    if (from > to) {
      ctx.addIssue({ code: 'custom', message: `range ${showValue(text)} is reversed: expected from <= to` });
    }
  });

/** A port override: a number, or a string holding a port or an inclusive range. */
const portSpec = z
  .union([portNumber, portText], {
    error: (iss) => `expected a port 1-65535 or a range "from-to", got ${showValue(iss.input)}`,
  })
  .transform((value): number | readonly [number, number] => {
    if (typeof value === 'number') return value;
    const [from, to = from] = value.split('-').map(Number) as [number, number?];
    return from === to ? from : [from, to];
  })
  .describe('A port (9443) or an inclusive range ("9999-10005").');

// ---------------------------------------------------------------------------------------------
// Credentials: the inventory holds references only, never a secret value.

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const secretRef = z
  .union(
    [
      z.strictObject({
        env: z
          .string()
          // Not quoted back: someone may have put the secret itself here.
          .regex(ENV_NAME, { error: 'expected an environment variable name (letters, digits and _)' })
          .describe('Name of the environment variable that holds the secret.'),
      }),
      z.strictObject({
        file: z
          .string()
          .min(1, { error: 'expected a file path' })
          .describe('File that holds the secret, relative to the inventory file; one trailing newline is ignored.'),
      }),
    ],
    // Never quote the input here: a secret written in clear would be echoed.
    { error: 'expected a secret reference { env: VARIABLE } or { file: PATH }; secrets are never written in the inventory' },
  )
  .describe('Where a secret comes from: { env: VARIABLE } or { file: PATH }.');

export type SecretRef = z.output<typeof secretRef>;

const userName = z.string().min(1, { error: 'expected a user name' });

const sshLogin = z
  .strictObject({
    username: userName.describe('Login name.'),
    password: secretRef.optional().describe('Password (for NETCONF over SSH with password authentication).'),
    privateKey: secretRef.optional().describe('OpenSSH or PEM private key.'),
    passphrase: secretRef.optional().describe('Passphrase of an encrypted private key.'),
  })
  .superRefine((login, ctx) => {
    if (!login.password && !login.privateKey) {
      ctx.addIssue({ code: 'custom', message: 'an ssh login needs a password or a privateKey' });
    }
    if (login.passphrase && !login.privateKey) {
      ctx.addIssue({ code: 'custom', path: ['passphrase'], message: 'a passphrase needs a privateKey' });
    }
  })
  .describe('SSH login, used for NETCONF over SSH.');

const SNMP_LEVELS = ['noAuthNoPriv', 'authNoPriv', 'authPriv'] as const;
const SNMP_AUTH = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
const SNMP_PRIV = ['des', 'aes', 'aes256b', 'aes256r'] as const;

const snmpV2c = z.strictObject({
  version: z.literal('2c').describe('SNMPv2c.'),
  community: secretRef.describe('Community string.'),
});

const snmpV3 = z
  .strictObject({
    // YAML reads an unquoted 3 as a number; both mean version 3.
    version: z
      .literal(['3', 3])
      .transform(() => '3' as const)
      .describe('SNMPv3 ("3" or 3).'),
    user: userName.describe('USM user name.'),
    level: z.enum(SNMP_LEVELS).describe('Security level.'),
    authProtocol: z.enum(SNMP_AUTH).optional().describe('Authentication protocol (authNoPriv, authPriv).'),
    authKey: secretRef.optional().describe('Authentication passphrase (authNoPriv, authPriv).'),
    privProtocol: z.enum(SNMP_PRIV).optional().describe('Privacy protocol (authPriv).'),
    privKey: secretRef.optional().describe('Privacy passphrase (authPriv).'),
  })
  .superRefine((v3, ctx) => {
    const needsAuth = v3.level !== 'noAuthNoPriv';
    const needsPriv = v3.level === 'authPriv';
    const expect = (key: 'authProtocol' | 'authKey' | 'privProtocol' | 'privKey', needed: boolean) => {
      if (needed && v3[key] === undefined) {
        ctx.addIssue({ code: 'custom', message: `level ${v3.level} needs ${key}` });
      } else if (!needed && v3[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} is not used at level ${v3.level}` });
      }
    };
    expect('authProtocol', needsAuth);
    expect('authKey', needsAuth);
    expect('privProtocol', needsPriv);
    expect('privKey', needsPriv);
  });

const snmpCredentials = z
  .discriminatedUnion('version', [snmpV2c, snmpV3], { error: 'expected version "2c" or "3"' })
  .describe('SNMP credentials: { version: 2c, community } or { version: "3", user, level, ... }.');

const radiusCredentials = z
  .strictObject({
    secret: secretRef.describe('RADIUS shared secret of this client (the host running psm-netcheck).'),
    probeUser: z
      .strictObject({
        username: userName.describe('A dedicated probe account, never a real person.'),
        password: secretRef.describe("The probe account's password."),
      })
      .optional()
      .describe('Enables Access-Request checks; without it only Status-Server is tried.'),
  })
  .describe('RADIUS client credentials.');

const credentialSet = z
  .strictObject({
    ssh: sshLogin.optional(),
    snmp: snmpCredentials.optional(),
    radius: radiusCredentials.optional(),
  })
  .refine((set) => set.ssh !== undefined || set.snmp !== undefined || set.radius !== undefined, {
    error: 'a credential set needs at least one of ssh, snmp, radius',
  })
  .describe('A named credential set; each key fills one slot of the hosts that use the set.');

export type CredentialSetInput = z.output<typeof credentialSet>;

/**
 * A name (of a host, a path, a credential set): printable text. Raw control characters (NUL, ESC,
 * BEL, ...) would reach terminals, logs and reports as they are, and no real name has one.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001F\u007F-\u009F]/;
function nameText(error: string) {
  return z
    .string()
    .min(1, { error })
    .refine((text) => !CONTROL_CHARACTER.test(text), { error: 'a name must not contain control characters' });
}

const credentialName = nameText('expected a credential set name');
const credentialList = z
  .array(credentialName)
  .describe('Names of credential sets (keys of `credentials:`); a later set wins per slot.');

// ---------------------------------------------------------------------------------------------
// Probe options, built from the registry so that a new probe's options appear here on their own.

/**
 * The options a probe accepts, every key optional (the probe's own defaults fill the rest later).
 * Rebuilt from the shape rather than with `.partial()`, which refuses objects with refinements; the
 * whole schema still runs on the merged options in ./load.ts.
 */
function partialOptions(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) {
    const shape = schema.shape as Record<string, z.ZodType>;
    return z.strictObject(Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, field.optional()])));
  }
  return schema;
}

function probeOptionsSection(scope: string) {
  const shape = Object.fromEntries(
    PROBE_KINDS.map((kind) => [
      kind,
      partialOptions(PROBES[kind].optionsSchema)
        .optional()
        .describe(`Options of the ${kind} probe (${PROBES[kind].summary}).`),
    ]),
  );
  return z.strictObject(shape).describe(`Probe options by probe kind, ${scope}.`);
}

// ---------------------------------------------------------------------------------------------
// Sections

const roleDefaults = z
  .strictObject(Object.fromEntries(ROLES.map((role) => [role, credentialList.optional()])))
  .describe('Credential sets applied to every host of a role, before the host\'s own `credentials`.');

const defaultsSection = z
  .strictObject({
    ...runSettingsShape,
    credentials: roleDefaults.optional(),
  })
  .describe('Run settings; every key is optional and has a default.');

const portOverrides = z
  .strictObject(Object.fromEntries(PORT_KEYS.map((key) => [key, portSpec.optional()])))
  .describe('Port overrides by port key (see PORT_KEYS); a range as "from-to".');

const roleEnum = z.enum(ROLES, {
  error: (iss) => `expected a role (${ROLES.join(', ')}), got ${showValue(iss.input)}`,
});

const PSM_ROLES: readonly string[] = ['psm-server', 'psm-client'];

const hostSchema = z
  .strictObject({
    name: nameText('expected a host name').describe('Unique name; paths and reports use it.'),
    role: roleEnum.optional().describe('The role of this host (or use `roles`).'),
    roles: z
      .array(roleEnum)
      .min(1, { error: 'expected at least one role' })
      .optional()
      .describe('Several roles of one host (or use `role`).'),
    neType: z
      .enum(NE_TYPES, {
        error: (iss) => `expected a network element type (${NE_TYPES.join(', ')}), got ${showValue(iss.input)}`,
      })
      .optional()
      .describe('Network element type; required for, and only for, a network-element.'),
    addresses: z
      .array(address)
      .min(1, { error: 'expected at least one address' })
      .describe('IPv4/IPv6 literals or DNS names, tried in this order.'),
    services: z
      .array(
        z.enum(OPTIONAL_SERVICES, {
          error: (iss) => `expected a service (${OPTIONAL_SERVICES.join(', ')}), got ${showValue(iss.input)}`,
        }),
      )
      .optional()
      .describe('Optional services this PSM server or client runs.'),
    ports: portOverrides.optional(),
    credentials: credentialList.optional(),
    probes: probeOptionsSection('for this host, over the global ones').optional(),
  })
  // Runs even when a field is invalid, so that every problem of a host shows in one pass.
  .superRefine(
    (host, ctx) => {
      const raw = host as Record<string, unknown>;
      const roles: unknown[] = Array.isArray(raw.roles) ? raw.roles : raw.role !== undefined ? [raw.role] : [];
      if (raw.role !== undefined && raw.roles !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['roles'], message: 'give either "role" or "roles", not both' });
      } else if (raw.role === undefined && raw.roles === undefined) {
        ctx.addIssue({ code: 'custom', message: 'a host needs "role" or "roles"' });
      }
      const isNe = roles.includes('network-element');
      if (isNe && raw.neType === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `a network-element needs "neType" (${NE_TYPES.join(', ')})`,
        });
      } else if (!isNe && raw.neType !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['neType'], message: 'neType is only for network-element hosts' });
      }
      const hasServices = Array.isArray(raw.services) && raw.services.length > 0;
      if (hasServices && !roles.some((role) => typeof role === 'string' && PSM_ROLES.includes(role))) {
        ctx.addIssue({ code: 'custom', path: ['services'], message: 'services are only for psm-server or psm-client hosts' });
      }
      // The same address twice in one host is a typo; two hosts sharing one is allowed (`plan` notes it).
      const addresses = new Set<string>();
      (Array.isArray(raw.addresses) ? raw.addresses : []).forEach((entry, index) => {
        if (typeof entry !== 'string') return;
        const key = entry.toLowerCase();
        if (addresses.has(key)) ctx.addIssue({ code: 'custom', path: ['addresses', index], message: `duplicate address ${showValue(entry)}` });
        addresses.add(key);
      });
      const seen = new Set<unknown>();
      (Array.isArray(raw.roles) ? raw.roles : []).forEach((role, index) => {
        if (seen.has(role)) ctx.addIssue({ code: 'custom', path: ['roles', index], message: `duplicate role ${showValue(role)}` });
        seen.add(role);
      });
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  )
  .describe('A host of the deployment.');

/** The probe a path uses when it names none. */
export const DEFAULT_PATH_PROBE = { tcp: 'tcp', udp: 'udp', icmp: 'icmp' } as const;

const extraPathSchema = z
  .strictObject({
    name: nameText('expected a path name').describe('Unique name, shown in reports.'),
    description: z.string().optional().describe('Why this path is checked.'),
    from: z.string().min(1, { error: 'expected a host name' }).describe('Host name of the side that connects.'),
    to: z.string().min(1, { error: 'expected a host name' }).describe('Host name of the side that listens.'),
    transport: z.enum(TRANSPORTS).describe('tcp, udp or icmp.'),
    ports: z.array(portNumber).optional().describe('Destination ports (tcp, udp); none for icmp.'),
    expect: z.enum(EXPECTATIONS).default('open').describe('open, or closed for a firewall check (closed or filtered passes). Default open.'),
    probe: z.enum(PROBE_KINDS).optional().describe('Probe kind; default tcp, udp or icmp after the transport.'),
  })
  .superRefine(
    (path, ctx) => {
      const raw = path as Record<string, unknown>;
      const transport = raw.transport;
      const ports = Array.isArray(raw.ports) ? raw.ports : [];
      if ((transport === 'tcp' || transport === 'udp') && ports.length === 0) {
        ctx.addIssue({ code: 'custom', message: `a ${transport} path needs "ports"` });
      }
      if (transport === 'icmp' && ports.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['ports'], message: 'an icmp path has no ports' });
      }
      const probe = raw.probe;
      if (typeof probe === 'string' && probe in PROBES && typeof transport === 'string') {
        const probeTransport = PROBES[probe as keyof typeof PROBES].transport;
        if (probeTransport !== transport) {
          ctx.addIssue({
            code: 'custom',
            path: ['probe'],
            message: `the ${probe} probe runs over ${probeTransport}, not ${transport}`,
          });
        }
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  )
  .describe('A path the matrix does not have, e.g. a firewall check that a port is closed.');

const responderSection = z
  .strictObject({
    token: secretRef.describe(
      'Shared token of `psm-netcheck respond` and of `check --via-responder`: both sides read the same secret.',
    ),
  })
  .describe('Pre-install checks through `psm-netcheck respond` (docs/responder.md).');

const csvColumn = z.string().min(1, { error: 'expected a column name from the first row' });

const hostsFromEntry = z
  .strictObject({
    file: z
      .string()
      .min(1, { error: 'expected a CSV file name' })
      .describe('CSV file, relative to the inventory; its first row names the columns. A regular file of at most 16 MiB.'),
    columns: z
      .strictObject({
        name: csvColumn.optional().describe('Column of the host name. Default: the column "name".'),
        addresses: csvColumn
          .optional()
          .describe('Column of the addresses, several separated by spaces or ";". Default: the column "addresses".'),
        role: csvColumn
          .optional()
          .describe('Column of the role, several separated by spaces or ";". Default: the column "role", if any.'),
        neType: csvColumn.optional().describe('Column of the network element type. Default: the column "neType", if any.'),
        credentials: csvColumn
          .optional()
          .describe('Column of the credential set names, separated by spaces or ";". Default: the column "credentials", if any.'),
      })
      .optional()
      .describe('Which column fills which host field; a field without a column (or with an empty cell) takes its default.'),
    defaults: z
      .strictObject({
        role: roleEnum.optional().describe('Role of a row with no role.'),
        neType: z.enum(NE_TYPES).optional().describe('Network element type of a row with no neType.'),
        credentials: credentialList.optional().describe('Credential sets of a row with none.'),
      })
      .optional()
      .describe('Values for the fields a row leaves empty.'),
  })
  .describe('Hosts from a CSV file, one per row after the header; appended to `hosts`.');

export const inventoryFileSchema = z
  .strictObject({
    name: z.string().optional().describe('A label for reports.'),
    defaults: defaultsSection.prefault({}),
    credentials: z
      .record(nameText('expected a credential set name'), credentialSet)
      .optional()
      .describe('Named credential sets, referenced by `defaults.credentials` and by hosts.'),
    probes: probeOptionsSection('for every host').optional(),
    hosts: z
      .array(hostSchema)
      .min(1, { error: 'expected at least one host' })
      .describe('The hosts of the deployment; those of `hostsFrom` are added to them.'),
    hostsFrom: z
      .array(hostsFromEntry)
      .optional()
      .describe('CSV files of hosts next to the inventory (docs/inventory-format.md, "Hosts from CSV files").'),
    paths: z.array(extraPathSchema).optional().describe('Extra paths to check, beyond the port matrix.'),
    responder: responderSection.optional(),
  })
  .describe('psm-netcheck inventory: the hosts of a proNX Service Manager deployment and how to reach them.');

/** The YAML form, as a user writes it. */
export type InventoryFileInput = z.input<typeof inventoryFileSchema>;
/** The YAML form after validation (durations in ms, port ranges as pairs, defaults filled). */
export type InventoryFile = z.output<typeof inventoryFileSchema>;
export type HostEntry = InventoryFile['hosts'][number];
export type ExtraPathEntry = NonNullable<InventoryFile['paths']>[number];

/** Keys of a credential set's slots whose values are secret references. */
export const SECRET_FIELDS = ['password', 'privateKey', 'passphrase', 'community', 'authKey', 'privKey', 'secret'] as const;
