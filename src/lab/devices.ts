import type { PortKey } from '../matrix/types.js';
import { NE_TYPES, type NeType, type OptionalService, type Role } from '../core/model.js';
import type { LabFaultKind } from './faults.js';

/**
 * Who is in the lab: the simulated devices' identities (names, roles, NE types, credentials, host
 * keys, how each presents itself) and the faults planted on purpose. Nothing here says which ports
 * a device listens on: plan.ts derives that from the vendor's port tables (src/matrix) with the
 * planner's own row filter, so a new matrix row is served without anyone touching this file.
 */

/** Credentials the lab's peers accept (and the inventory references as secret files). */
export interface LabSecrets {
  readonly 'ne-ssh-password': string;
  readonly 'snmp-community': string;
  readonly 'snmp-auth-key': string;
  readonly 'snmp-priv-key': string;
  readonly 'noc-community': string;
  readonly 'radius-secret': string;
  readonly 'radius-probe-password': string;
  /** Not in the inventory: the secret of the RADIUS server that is configured wrongly on purpose. */
  readonly 'radius-wrong-secret': string;
}

export const LAB_SSH_USER = 'netcheck';
export const LAB_SNMP_USER = 'netcheck';
export const LAB_RADIUS_PROBE_USER = 'netcheck-probe';
export const LAB_ZONE = 'lab.test';

/**
 * How a device presents itself on the services the matrix gives it. Every field is optional: a
 * service the persona says nothing about gets the peer's defaults.
 */
export interface Persona {
  /** SSH software version (the identification line after "SSH-2.0-"), by port key, else `default`. */
  readonly ssh?: { readonly default: string } & Partial<Record<PortKey, string>>;
  /** NETCONF capabilities (besides base 1.0/1.1); `alsoOn`: SSH ports that offer the subsystem too. */
  readonly netconf?: { readonly capabilities: readonly string[]; readonly alsoOn?: readonly PortKey[] };
  /** The HTTP `Server` header by port key. */
  readonly http?: Partial<Record<PortKey, string>>;
  /** The TL1 system identifier (also shown by the telnet CLI). */
  readonly sid?: string;
  readonly snmp?: { readonly sysDescr: string; readonly sysObjectID: string; readonly sysName: string };
  readonly ntp?: { readonly stratum: number; readonly refId: string };
  /** The community its notification receiver accepts: what the hosts that notify it send. */
  readonly trapCommunity?: 'snmp-community' | 'noc-community';
}

/** A fault to plant: on the ports of one port key, or (without one) where its kind applies. */
export interface PlantedFault {
  readonly kind: LabFaultKind;
  readonly portKey?: PortKey;
  readonly description: string;
}

export interface LabDevice {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly neType?: NeType;
  readonly address: string;
  readonly services: readonly OptionalService[];
  /** Credential sets named in the inventory, beyond the role defaults. */
  readonly credentials: readonly string[];
  /**
   * Hosts with the same group share one SSH host key (the benchmark's many NEs); otherwise each
   * host has its own, as real ones do.
   */
  readonly hostKeyGroup: string;
  /** Pin the device's SSH host key in the inventory (a `host-key-changed` fault pins another one). */
  readonly pinHostKey?: boolean;
  /** Per-host probe options for the inventory (`probes:` of the host), by probe kind. */
  readonly probeOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly persona: Persona;
  readonly faults: readonly PlantedFault[];
}

export interface LabDeviceOptions {
  /** First two octets of every lab address. @default '127.77' */
  readonly base?: string;
  /** Include the faulty hosts and faults. @default true */
  readonly faults?: boolean;
  /** Healthy network elements, their types taken in turn from `elementTypes`. @default 5 */
  readonly elements?: number;
  /** @default NE_TYPES (bti7800, juniper-mx, bti7000, bti700, bti800) */
  readonly elementTypes?: readonly NeType[];
}

/** More healthy elements than this and the NEs share host keys and SNMP agents. */
const COMPACT_ABOVE = 20;

/** Whether the NEs share host keys and SNMP agents (many elements: fewer objects, same sockets). */
export function isCompact(options: Pick<LabDeviceOptions, 'elements'>): boolean {
  return (options.elements ?? NE_TYPES.length) > COMPACT_ABOVE;
}
/** NEs per third octet: 127.<b>.<1..254>.<1..250>. */
const NES_PER_BLOCK = 250;

/**
 * The lab's devices. Layout (base 127.77): infrastructure on 127.77.0.x (psm-server-1 .1,
 * psm-server-2 .2, psm-client-1 .3, noc-1 .10, radius-1/2/3 .20-.22, ntp-1/2 .30-.31, dns-1 .40,
 * ftp-1 .50, http-1 .60), network elements from 127.77.1.1 on (250 per third octet).
 */
export function labDevices(options: LabDeviceOptions = {}): LabDevice[] {
  const base = options.base ?? '127.77';
  if (!/^127\.(25[0-5]|2[0-4]\d|1?\d?\d)$/.test(base)) throw new Error(`lab base must look like 127.N, got ${base}`);
  const withFaults = options.faults ?? true;
  const count = options.elements ?? NE_TYPES.length;
  const types = options.elementTypes ?? NE_TYPES;
  if (!Number.isInteger(count) || count < 0) throw new Error('elements must be a whole number >= 0');
  if (types.length === 0) throw new Error('elementTypes must name at least one NE type');
  const compact = isCompact(options);
  const infra = (last: number): string => `${base}.0.${last}`;

  const devices: LabDevice[] = [
    psmServer('psm-server-1', infra(1)),
    psmServer('psm-server-2', infra(2)),
    device('psm-client-1', infra(3), ['psm-client']),
    device('noc-1', infra(10), ['noc'], { credentials: ['noc-snmp'], persona: { trapCommunity: 'noc-community' } }),
    radiusServer('radius-1', infra(20)),
    device('ntp-1', infra(30), ['ntp-server'], { persona: { ntp: { stratum: 2, refId: '192.0.2.1' } } }),
    // The server is authoritative only (it refuses the root the dns probe asks by default): ask it
    // for a name it serves, without recursion.
    device('dns-1', infra(40), ['dns-server'], {
      probeOptions: { dns: { query: `psm-server-1.${LAB_ZONE}`, type: 'A', recursionDesired: false } },
    }),
    // An external file server: FTP and SFTP (Table 7).
    device('ftp-1', infra(50), ['ftp-server', 'sftp-server'], { persona: { ssh: { default: OPENSSH_DEBIAN } } }),
    device('http-1', infra(60), ['http-server'], { persona: { http: { http: 'nginx/1.22.1' } } }),
  ];
  if (withFaults) {
    devices.push(
      radiusServer('radius-2', infra(21), {
        kind: 'radius-wrong-secret',
        description: 'The server\'s shared secret differs from the inventory\'s: requests are dropped or fail verification.',
      }),
      radiusServer('radius-3', infra(22), {
        kind: 'radius-no-message-authenticator',
        description: 'Replies carry no Message-Authenticator (BlastRADIUS, CVE-2024-3596).',
      }),
      device('ntp-2', infra(31), ['ntp-server'], {
        faults: [{ kind: 'ntp-unsynchronized', description: 'The server answers but is unsynchronized (LI=3, stratum 0).' }],
      }),
    );
  }

  const elements: Array<{ type: NeType; fault?: PlantedFault }> = [];
  for (let i = 0; i < count; i++) elements.push({ type: types[i % types.length] as NeType });
  if (withFaults) elements.push(...NE_FAULTS);
  if (elements.length > NES_PER_BLOCK * 254) throw new Error(`at most ${NES_PER_BLOCK * 254} network elements`);
  elements.forEach((element, i) => {
    const address = `${base}.${1 + Math.floor(i / NES_PER_BLOCK)}.${1 + (i % NES_PER_BLOCK)}`;
    devices.push(networkElement(`ne-${element.type}-${i + 1}`, address, element.type, { fault: element.fault, compact }));
  });
  return devices;
}

const OPENSSH_DEBIAN = 'OpenSSH_9.2p1 Debian-2+deb12u3';

function device(
  name: string,
  address: string,
  roles: readonly Role[],
  extra: Partial<Omit<LabDevice, 'name' | 'address' | 'roles'>> = {},
): LabDevice {
  return { name, address, roles, services: [], credentials: [], hostKeyGroup: name, persona: {}, faults: [], ...extra };
}

/**
 * A PSM server: it serves its clients (Table 1), its replication peer (Table 2) and, since it
 * provides FTP, SFTP, NTP and RADIUS itself, the network elements (Table 3).
 */
function psmServer(name: string, address: string): LabDevice {
  return device(name, address, ['psm-server'], {
    services: ['ftp', 'sftp', 'ntp', 'radius'],
    credentials: ['radius'],
    persona: {
      ssh: { default: OPENSSH_DEBIAN },
      http: { monit: 'monit', graphite: 'Apache/2.4.57 (Debian)', dashboard: 'PSM-Dashboard', rest: 'PSM-REST' },
      ntp: { stratum: 3, refId: '192.0.2.123' },
      // The network elements send it their traps, with their own community.
      trapCommunity: 'snmp-community',
    },
  });
}

function radiusServer(name: string, address: string, fault?: PlantedFault): LabDevice {
  return device(name, address, ['radius-server'], { credentials: ['radius'], faults: fault ? [fault] : [] });
}

/** The faulty elements, after the healthy ones: one fault each. */
const NE_FAULTS: ReadonlyArray<{ type: NeType; fault: PlantedFault }> = [
  {
    type: 'bti7800',
    fault: { kind: 'netconf-login-rejected', portKey: 'netconf', description: 'NETCONF answers, but the SSH login is refused (wrong password or ACL).' },
  },
  { type: 'juniper-mx', fault: { kind: 'host-key-changed', description: 'The inventory pins a different SSH host key than the element presents.' } },
  { type: 'bti700', fault: { kind: 'closed-port', portKey: 'cli-telnet', description: 'Nothing listens on the CLI telnet port (connection refused).' } },
  { type: 'bti800', fault: { kind: 'silent-port', portKey: 'cli-telnet', description: 'The CLI telnet port accepts connections but never sends a banner.' } },
];

/** Lab stand-ins for each vendor's system identity (32473 is the documentation enterprise, RFC 5612). */
const NE_IDENTITY: Readonly<Record<NeType, { sysDescr: string; sysObjectID: string }>> = {
  bti7800: { sysDescr: 'BTI7800 Series packet-optical platform (PSM lab)', sysObjectID: '1.3.6.1.4.1.32473.7800' },
  'juniper-mx': { sysDescr: 'Juniper Networks, Inc. mx480 internet router, kernel JUNOS 22.4R3 (PSM lab)', sysObjectID: '1.3.6.1.4.1.2636.1.1.1.2.25' },
  bti7000: { sysDescr: 'BTI7000 Series optical platform (PSM lab)', sysObjectID: '1.3.6.1.4.1.32473.7000' },
  bti700: { sysDescr: 'BTI700 Series access device (PSM lab)', sysObjectID: '1.3.6.1.4.1.32473.700' },
  bti800: { sysDescr: 'BTI800 Series access device (PSM lab)', sysObjectID: '1.3.6.1.4.1.32473.800' },
};

/** What each type's software calls itself on SSH, and the NETCONF it offers. */
const NE_SOFTWARE: Readonly<Record<NeType, Pick<Persona, 'ssh' | 'netconf'>>> = {
  // ConfD answers NETCONF and the CLI; the shell on 2024 is the underlying Linux's OpenSSH.
  bti7800: { ssh: { default: 'ConfD-6.7.6', shell: 'OpenSSH_7.4' }, netconf: { capabilities: confdCapabilities() } },
  // Junos also serves `ssh -s netconf` on its CLI port 22.
  'juniper-mx': { ssh: { default: 'OpenSSH_8.6' }, netconf: { capabilities: junosCapabilities(), alsoOn: ['cli-ssh'] } },
  bti7000: { ssh: { default: 'OpenSSH_5.3' } },
  bti700: {},
  bti800: {},
};

/** A network element: its ports come from its type's rows (Tables 3, 4 and 8). */
function networkElement(
  name: string,
  address: string,
  type: NeType,
  options: { fault: PlantedFault | undefined; compact: boolean },
): LabDevice {
  return device(name, address, ['network-element'], {
    neType: type,
    credentials: type === 'juniper-mx' ? ['ne-snmpv3'] : [],
    hostKeyGroup: options.compact ? 'network-elements' : name,
    ...(type === 'juniper-mx' && !options.compact ? { pinHostKey: true } : {}),
    persona: {
      ...NE_SOFTWARE[type],
      sid: options.compact ? 'LAB-NE' : name.toUpperCase(),
      snmp: { ...NE_IDENTITY[type], sysName: options.compact ? 'lab-ne' : name },
    },
    faults: options.fault ? [options.fault] : [],
  });
}

function confdCapabilities(): string[] {
  return [
    'urn:ietf:params:netconf:capability:candidate:1.0',
    'urn:ietf:params:netconf:capability:startup:1.0',
    'urn:ietf:params:netconf:capability:notification:1.0',
    'urn:ietf:params:netconf:capability:yang-library:1.1?revision=2019-01-04&content-id=lab-7800',
    'http://tail-f.com/ns/netconf/actions/1.0',
  ];
}

function junosCapabilities(): string[] {
  return [
    'urn:ietf:params:netconf:capability:candidate:1.0',
    'urn:ietf:params:netconf:capability:confirmed-commit:1.0',
    'urn:ietf:params:netconf:capability:validate:1.0',
    'urn:ietf:params:netconf:capability:notification:1.0',
    'urn:ietf:params:netconf:capability:yang-library:1.0?revision=2016-06-21&module-set-id=lab-mx',
    'http://xml.juniper.net/netconf/junos/1.0',
    'http://xml.juniper.net/dmi/system/1.0',
  ];
}
