import type { PortKey } from '../matrix/types.js';
import { NE_TYPES, type NeType, type OptionalService, type Role } from '../core/model.js';
import type { FtpServiceOptions } from './ftp-peer.js';
import type { HttpServiceOptions } from './https-peer.js';
import type { MysqlServiceOptions } from './mysql-peer.js';
import type { NtpServerOptions } from './ntp-server.js';
import { portMapping, portsOf, type PortMapping } from './ports.js';
import type { SnmpAgentOptions } from './snmp-agent.js';
import type { SshServiceOptions } from './ssh-peer.js';
import type { TelnetServiceOptions } from './telnet-tl1-peer.js';
import type { LabTransport } from './types.js';

/**
 * The lab's network as data: which simulated hosts exist, at which loopback address, with which
 * listeners and which faults. Nothing here opens a socket; topology.ts starts what this describes,
 * and inventory.ts writes the matching inventory.
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

export type LabFaultKind =
  | 'closed-port'
  | 'silent-port'
  | 'netconf-login-rejected'
  | 'host-key-changed'
  | 'radius-wrong-secret'
  | 'radius-no-message-authenticator'
  | 'ntp-unsynchronized';

/** A fault the lab sets up on purpose, so a demo or test knows what the checker should find. */
export interface LabFault {
  readonly host: string;
  readonly kind: LabFaultKind;
  /** The lab port concerned; absent when the fault is the host's as a whole (its host key). */
  readonly port?: number;
  readonly portKey?: PortKey;
  readonly description: string;
}

/** What answers on a port: the peer kind and its options (secrets are filled in at start). */
export type PeerSpec =
  | { readonly kind: 'ssh'; readonly options: Omit<SshServiceOptions, 'hostKey' | 'username' | 'password'> }
  | { readonly kind: 'snmp-agent'; readonly options: Omit<SnmpAgentOptions, 'community' | 'v3User'> }
  | { readonly kind: 'noc-receiver'; readonly community: 'noc' | 'ne' }
  | {
      /** One server per host: its 'auth' and 'acct' listeners are the two ports of one peer. */
      readonly kind: 'radius';
      readonly role: 'auth' | 'acct';
      readonly wrongSecret?: boolean;
      readonly omitMessageAuthenticator?: boolean;
    }
  | { readonly kind: 'ntp'; readonly options: Omit<NtpServerOptions, 'address' | 'port'> }
  | { readonly kind: 'dns' }
  | { readonly kind: 'ftp'; readonly options: FtpServiceOptions }
  | { readonly kind: 'http'; readonly options: Omit<HttpServiceOptions, 'certificate'> }
  | { readonly kind: 'telnet'; readonly options: TelnetServiceOptions }
  | { readonly kind: 'mysql'; readonly options: MysqlServiceOptions }
  | { readonly kind: 'silent-tcp' };

export interface ListenerPlan {
  readonly port: number;
  readonly transport: LabTransport;
  /** The matrix port key this port answers for; unkeyed ports sit on the vendor's own number. */
  readonly portKey?: PortKey;
  readonly spec: PeerSpec;
}

export interface HostPlan {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly neType?: NeType;
  readonly address: string;
  readonly services: readonly OptionalService[];
  /** Credential sets named in the inventory, beyond the role defaults. */
  readonly credentials: readonly string[];
  /** The inventory's `ports:` overrides: every keyed port of the host, closed ones included. */
  readonly ports: Readonly<Partial<Record<PortKey, number | readonly [number, number]>>>;
  readonly listeners: readonly ListenerPlan[];
  /**
   * Hosts with the same group share one SSH host key (the benchmark's many NEs); otherwise each
   * host has its own, as real ones do.
   */
  readonly hostKeyGroup: string;
  /** Pin the SSH host key in the inventory: `own` the real one, `other` a different one (fault). */
  readonly pinHostKey?: 'own' | 'other';
  /** Per-host probe options for the inventory (`probes:` of the host), by probe kind. */
  readonly probeOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly faults: readonly LabFault[];
}

export interface LabPlanOptions {
  /** First two octets of every lab address. @default '127.77' */
  readonly base?: string;
  /** Include the faulty hosts and faults. @default true */
  readonly faults?: boolean;
  /** Healthy network elements, their types taken in turn from `elementTypes`. @default 5 */
  readonly elements?: number;
  /** @default NE_TYPES (bti7800, juniper-mx, bti7000, bti700, bti800) */
  readonly elementTypes?: readonly NeType[];
  /** Bind the vendor's ports as they are (root only). @default false: keyed ports + 20000 */
  readonly realPorts?: boolean;
}

export interface LabPlan {
  readonly hosts: readonly HostPlan[];
  readonly faults: readonly LabFault[];
  /** The host the checker runs on: `--from <vantage>`. */
  readonly vantage: string;
  /** Share host keys and SNMP agents between NEs (many elements): fewer objects, same sockets. */
  readonly compact: boolean;
  /** Extra inventory paths (firewall checks expected closed). */
  readonly paths: readonly PathPlan[];
}

export interface PathPlan {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly transport: 'tcp' | 'udp';
  readonly ports: readonly number[];
  readonly expect: 'open' | 'closed';
  readonly description: string;
  /** The inventory's default (tcp/udp) when absent. */
  readonly probe?: 'mysql';
}

/** More healthy elements than this and the NEs share host keys and SNMP agents. */
const COMPACT_ABOVE = 20;
/** NEs per third octet: 127.<b>.<1..254>.<1..250>. */
const NES_PER_BLOCK = 250;

export function planLab(options: LabPlanOptions = {}): LabPlan {
  const base = options.base ?? '127.77';
  if (!/^127\.(25[0-5]|2[0-4]\d|1?\d?\d)$/.test(base)) throw new Error(`lab base must look like 127.N, got ${base}`);
  const withFaults = options.faults ?? true;
  const count = options.elements ?? NE_TYPES.length;
  const types = options.elementTypes ?? NE_TYPES;
  if (!Number.isInteger(count) || count < 0) throw new Error('elements must be a whole number >= 0');
  if (types.length === 0) throw new Error('elementTypes must name at least one NE type');
  const ports = portMapping(options.realPorts ?? false);
  const compact = count > COMPACT_ABOVE;
  const infra = (last: number): string => `${base}.0.${last}`;

  const hosts: HostPlan[] = [
    psmServer('psm-server-1', infra(1), ports),
    psmServer('psm-server-2', infra(2), ports),
    psmClient('psm-client-1', infra(3), ports),
    noc('noc-1', infra(10), ports),
    radiusServer('radius-1', infra(20), ports, {}),
    ntpServer('ntp-1', infra(30), ports, {}),
    dnsServer('dns-1', infra(40), ports),
    fileServer('ftp-1', infra(50), ports),
    httpServer('http-1', infra(60), ports),
  ];
  if (withFaults) {
    hosts.push(
      radiusServer('radius-2', infra(21), ports, { wrongSecret: true }),
      radiusServer('radius-3', infra(22), ports, { omitMessageAuthenticator: true }),
      ntpServer('ntp-2', infra(31), ports, { unsynchronized: true }),
    );
  }

  const elements: Array<{ type: NeType; fault?: NeFault }> = [];
  for (let i = 0; i < count; i++) elements.push({ type: types[i % types.length] as NeType });
  if (withFaults) {
    elements.push(
      { type: 'bti7800', fault: 'netconf-login-rejected' },
      { type: 'juniper-mx', fault: 'host-key-changed' },
      { type: 'bti700', fault: 'closed-port' },
      { type: 'bti800', fault: 'silent-port' },
    );
  }
  if (elements.length > NES_PER_BLOCK * 254) throw new Error(`at most ${NES_PER_BLOCK * 254} network elements`);
  elements.forEach((element, i) => {
    const address = `${base}.${1 + Math.floor(i / NES_PER_BLOCK)}.${1 + (i % NES_PER_BLOCK)}`;
    hosts.push(networkElement(`ne-${element.type}-${i + 1}`, address, element.type, ports, { fault: element.fault, compact }));
  });

  const firstJuniper = hosts.find((host) => host.neType === 'juniper-mx' && host.faults.length === 0);
  const paths: PathPlan[] = firstJuniper
    ? [
        {
          name: 'no-telnet-to-juniper',
          from: 'psm-server-1',
          to: firstJuniper.name,
          transport: 'tcp',
          ports: [ports.port(23)],
          expect: 'closed',
          description: 'Juniper MX routers are managed over SSH only: telnet must stay closed.',
        },
      ]
    : [];
  const secondServer = hosts.find((host) => host.name === 'psm-server-2');
  if (secondServer !== undefined) {
    // Table 1 has MySQL only from clients; this support path lets the demo show the mysql probe too.
    paths.push({
      name: 'mysql-support',
      from: 'psm-server-1',
      to: secondServer.name,
      transport: 'tcp',
      ports: [ports.port(3306)],
      expect: 'open',
      probe: 'mysql',
      description: 'Support access to the replication peer\'s MySQL.',
    });
  }

  return { hosts, faults: hosts.flatMap((host) => host.faults), vantage: 'psm-server-1', compact, paths };
}

// ---------------------------------------------------------------------------------------------
// Hosts
// ---------------------------------------------------------------------------------------------

const OPENSSH_DEBIAN = 'OpenSSH_9.2p1 Debian-2+deb12u3';

/** Builds a host's listeners and its `ports:` map together, so they cannot disagree. */
class HostBuilder {
  readonly listeners: ListenerPlan[] = [];
  readonly ports: Partial<Record<PortKey, number | readonly [number, number]>> = {};
  readonly faults: LabFault[] = [];

  constructor(readonly name: string) {}

  tcp(port: number, spec: PeerSpec, portKey?: PortKey): this {
    return this.add(port, 'tcp', spec, portKey);
  }

  udp(port: number, spec: PeerSpec, portKey?: PortKey): this {
    return this.add(port, 'udp', spec, portKey);
  }

  tcpRange(range: readonly [number, number], spec: PeerSpec, portKey: PortKey): this {
    for (const port of portsOf(range)) this.listeners.push({ port, transport: 'tcp', portKey, spec });
    this.ports[portKey] = range;
    return this;
  }

  /** A keyed port the inventory points at but where nothing listens (ECONNREFUSED). */
  closed(port: number, portKey: PortKey, description: string): this {
    this.ports[portKey] = port;
    this.faults.push({ host: this.name, kind: 'closed-port', port, portKey, description });
    return this;
  }

  fault(kind: LabFaultKind, description: string, port?: number, portKey?: PortKey): this {
    this.faults.push({ host: this.name, kind, description, ...(port === undefined ? {} : { port }), ...(portKey ? { portKey } : {}) });
    return this;
  }

  private add(port: number, transport: LabTransport, spec: PeerSpec, portKey?: PortKey): this {
    this.listeners.push({ port, transport, spec, ...(portKey ? { portKey } : {}) });
    if (portKey) this.ports[portKey] = port;
    return this;
  }
}

function host(
  builder: HostBuilder,
  fields: Omit<HostPlan, 'name' | 'listeners' | 'ports' | 'faults' | 'hostKeyGroup'> & { hostKeyGroup?: string },
): HostPlan {
  const { hostKeyGroup, ...rest } = fields;
  return {
    ...rest,
    name: builder.name,
    listeners: builder.listeners,
    ports: builder.ports,
    faults: builder.faults,
    hostKeyGroup: hostKeyGroup ?? builder.name,
  };
}

const sshSpec = (softwareVersion: string, extra: Partial<Omit<SshServiceOptions, 'hostKey'>> = {}): PeerSpec => ({
  kind: 'ssh',
  options: { softwareVersion, ...extra },
});
const httpSpec = (serverHeader: string, tls: boolean, hostName: string): PeerSpec => ({
  kind: 'http',
  options: { serverHeader, tls, hostName },
});

/**
 * A PSM server: the services PSM clients use (Table 1), the services NEs use when the server
 * provides them (FTP, SFTP, NTP, RADIUS, trap receiver: Table 3) and the replication range (Table 2).
 */
function psmServer(name: string, address: string, ports: PortMapping): HostPlan {
  const fqdn = `${name}.${LAB_ZONE}`;
  const b = new HostBuilder(name)
    .tcp(ports.port(21), { kind: 'ftp', options: {} }, 'ftp')
    .tcp(ports.port(22), sshSpec(OPENSSH_DEBIAN), 'ssh')
    .tcp(ports.port(2812), httpSpec('monit', false, fqdn), 'monit')
    .tcp(ports.port(3306), { kind: 'mysql', options: {} }, 'mysql')
    .tcp(ports.port(8080), httpSpec('Apache/2.4.57 (Debian)', false, fqdn), 'graphite')
    .tcp(ports.port(9000), httpSpec('PSM-Dashboard', false, fqdn), 'dashboard')
    .tcp(ports.port(9520), { kind: 'silent-tcp' }, 'jmx') // JMX/RMI waits for the client to speak first
    .tcp(ports.port(9998), httpSpec('PSM-REST', true, fqdn), 'rest')
    .tcpRange(ports.range(9999, 3), { kind: 'silent-tcp' }, 'replication')
    .udp(ports.port(123), { kind: 'ntp', options: { stratum: 3, refId: '192.0.2.123' } }, 'ntp')
    .udp(ports.port(162), { kind: 'noc-receiver', community: 'ne' }, 'snmp-trap')
    .udp(ports.fixed(1620), { kind: 'noc-receiver', community: 'ne' })
    .udp(ports.port(1812), { kind: 'radius', role: 'auth' }, 'radius-auth')
    .udp(ports.port(1813), { kind: 'radius', role: 'acct' }, 'radius-acct');
  return host(b, { roles: ['psm-server'], address, services: ['ftp', 'sftp', 'ntp', 'radius'], credentials: ['radius'] });
}

/** A PSM client: it listens only for the server's REST notifications (Table 1, roles reversed). */
function psmClient(name: string, address: string, ports: PortMapping): HostPlan {
  const b = new HostBuilder(name).tcpRange(ports.range(9999, 3), httpSpec('PSM-REST-Notification', true, `${name}.${LAB_ZONE}`), 'rest-notification');
  return host(b, { roles: ['psm-client'], address, services: [], credentials: [] });
}

function noc(name: string, address: string, ports: PortMapping): HostPlan {
  const b = new HostBuilder(name).udp(ports.port(162), { kind: 'noc-receiver', community: 'noc' }, 'snmp-trap');
  return host(b, { roles: ['noc'], address, services: [], credentials: ['noc-snmp'] });
}

function radiusServer(
  name: string,
  address: string,
  ports: PortMapping,
  fault: { wrongSecret?: boolean; omitMessageAuthenticator?: boolean },
): HostPlan {
  const auth = ports.port(1812);
  const acct = ports.port(1813);
  const b = new HostBuilder(name)
    .udp(auth, { kind: 'radius', role: 'auth', ...fault }, 'radius-auth')
    .udp(acct, { kind: 'radius', role: 'acct', ...fault }, 'radius-acct');
  if (fault.wrongSecret) {
    b.fault('radius-wrong-secret', 'The server\'s shared secret differs from the inventory\'s: requests are dropped or fail verification.', auth, 'radius-auth');
  }
  if (fault.omitMessageAuthenticator) {
    b.fault('radius-no-message-authenticator', 'Replies carry no Message-Authenticator (BlastRADIUS, CVE-2024-3596).', auth, 'radius-auth');
  }
  return host(b, { roles: ['radius-server'], address, services: [], credentials: ['radius'] });
}

function ntpServer(name: string, address: string, ports: PortMapping, fault: { unsynchronized?: boolean }): HostPlan {
  const port = ports.port(123);
  const options: Omit<NtpServerOptions, 'address' | 'port'> = fault.unsynchronized
    ? { leapIndicator: 3 }
    : { stratum: 2, refId: '192.0.2.1' };
  const b = new HostBuilder(name).udp(port, { kind: 'ntp', options }, 'ntp');
  if (fault.unsynchronized) b.fault('ntp-unsynchronized', 'The server answers but is unsynchronized (LI=3, stratum 0).', port, 'ntp');
  return host(b, { roles: ['ntp-server'], address, services: [], credentials: [] });
}

function dnsServer(name: string, address: string, ports: PortMapping): HostPlan {
  const b = new HostBuilder(name).udp(ports.port(53), { kind: 'dns' }, 'dns');
  // The server is authoritative only (it refuses the root the dns probe asks by default): ask it
  // for a name it serves, without recursion.
  const probeOptions = { dns: { query: `psm-server-1.${LAB_ZONE}`, type: 'A', recursionDesired: false } };
  return host(b, { roles: ['dns-server'], address, services: [], credentials: [], probeOptions });
}

/** An external file server: FTP and SFTP (Table 7). */
function fileServer(name: string, address: string, ports: PortMapping): HostPlan {
  const b = new HostBuilder(name).tcp(ports.port(21), { kind: 'ftp', options: {} }, 'ftp').tcp(ports.port(22), sshSpec(OPENSSH_DEBIAN), 'ssh');
  return host(b, { roles: ['ftp-server', 'sftp-server'], address, services: [], credentials: [] });
}

function httpServer(name: string, address: string, ports: PortMapping): HostPlan {
  const b = new HostBuilder(name).tcp(ports.port(80), httpSpec('nginx/1.22.1', false, `${name}.${LAB_ZONE}`), 'http');
  return host(b, { roles: ['http-server'], address, services: [], credentials: [] });
}

type NeFault = 'netconf-login-rejected' | 'host-key-changed' | 'closed-port' | 'silent-port';

/** Lab stand-ins for each vendor's system identity (32473 is the documentation enterprise, RFC 5612). */
const NE_IDENTITY: Readonly<Record<NeType, { sysDescr: string; sysObjectID: string }>> = {
  bti7800: { sysDescr: 'BTI7800 Series packet-optical platform (PSM lab)', sysObjectID: '1.3.6.1.4.1.32473.7800' },
  'juniper-mx': { sysDescr: 'Juniper Networks, Inc. mx480 internet router, kernel JUNOS 22.4R3 (PSM lab)', sysObjectID: '1.3.6.1.4.1.2636.1.1.1.2.25' },
  bti7000: { sysDescr: 'BTI7000 Series optical platform (PSM lab)', sysObjectID: '1.3.6.1.4.1.32473.7000' },
  bti700: { sysDescr: 'BTI700 Series access device (PSM lab)', sysObjectID: '1.3.6.1.4.1.32473.700' },
  bti800: { sysDescr: 'BTI800 Series access device (PSM lab)', sysObjectID: '1.3.6.1.4.1.32473.800' },
};

/**
 * A network element with its type's ports (seed Tables 3, 4 and 8): NETCONF on 2022 (BTI7800) or
 * 830 (Juniper MX), CLI over SSH or telnet, TL1, the BTI7800 shell, SNMP.
 */
function networkElement(
  name: string,
  address: string,
  type: NeType,
  ports: PortMapping,
  options: { fault: NeFault | undefined; compact: boolean },
): HostPlan {
  const b = new HostBuilder(name);
  const sid = name.toUpperCase();
  const fault = options.fault;
  const snmp: PeerSpec = {
    kind: 'snmp-agent',
    options: { ...NE_IDENTITY[type], sysName: options.compact ? 'lab-ne' : name },
  };
  const tl1 = (port: number, key?: PortKey): void => {
    b.tcp(port, { kind: 'telnet', options: { mode: 'tl1', sid: options.compact ? 'LAB-NE' : sid } }, key);
  };
  const telnetCli = (port: number, key: PortKey): void => {
    if (fault === 'closed-port') {
      b.closed(port, key, 'Nothing listens on the CLI telnet port (connection refused).');
    } else if (fault === 'silent-port') {
      b.tcp(port, { kind: 'silent-tcp' }, key);
      b.fault('silent-port', 'The CLI telnet port accepts connections but never sends a banner.', port, key);
    } else {
      b.tcp(port, { kind: 'telnet', options: { mode: 'cli', sid: options.compact ? 'LAB-NE' : sid } }, key);
    }
  };

  switch (type) {
    case 'bti7800': {
      const netconf = ports.port(2022);
      b.tcp(
        netconf,
        sshSpec('ConfD-6.7.6', {
          netconf: { capabilities: [...CONFD_CAPABILITIES] },
          ...(fault === 'netconf-login-rejected' ? { rejectLogin: true } : {}),
        }),
        'netconf',
      );
      if (fault === 'netconf-login-rejected') {
        b.fault('netconf-login-rejected', 'NETCONF answers, but the SSH login is refused (wrong password or ACL).', netconf, 'netconf');
      }
      b.tcp(ports.port(22), sshSpec('ConfD-6.7.6'), 'cli-ssh');
      b.tcp(ports.port(2024), sshSpec('OpenSSH_7.4'), 'shell');
      tl1(ports.port(3083), 'tl1-telnet');
      break;
    }
    case 'juniper-mx': {
      const netconf = { capabilities: [...JUNOS_CAPABILITIES] };
      b.tcp(ports.port(830), sshSpec('OpenSSH_8.6', { netconf }), 'netconf');
      // Junos also serves `ssh -s netconf` on port 22.
      b.tcp(ports.port(22), sshSpec('OpenSSH_8.6', { netconf }), 'cli-ssh');
      if (fault === 'host-key-changed') {
        b.fault('host-key-changed', 'The inventory pins a different SSH host key than the element presents.');
      }
      break;
    }
    case 'bti7000':
      telnetCli(ports.port(3084), 'cli-telnet');
      b.tcp(ports.port(8022), sshSpec('OpenSSH_5.3'), 'cli-ssh');
      // 3021 and 3082 have no port key (proNX 900 variants): they stay on the vendor's numbers.
      b.tcp(ports.fixed(3021), sshSpec('OpenSSH_5.3'));
      b.tcp(ports.port(3022), sshSpec('OpenSSH_5.3'), 'tl1-ssh');
      tl1(ports.fixed(3082));
      tl1(ports.port(3083), 'tl1-telnet');
      break;
    case 'bti700':
    case 'bti800':
      telnetCli(ports.port(23), 'cli-telnet');
      break;
  }
  b.udp(ports.port(161), snmp, 'snmp');
  // Traceroute (Table 8) expects port unreachable: nothing listens on the range.
  if (type === 'bti7800') b.ports.traceroute = ports.traceroute;

  return host(b, {
    roles: ['network-element'],
    neType: type,
    address,
    services: [],
    credentials: type === 'juniper-mx' ? ['ne-snmpv3'] : [],
    hostKeyGroup: options.compact ? 'network-elements' : name,
    ...(type === 'juniper-mx' && !options.compact ? { pinHostKey: fault === 'host-key-changed' ? 'other' : 'own' } : {}),
  });
}

const CONFD_CAPABILITIES = [
  'urn:ietf:params:netconf:capability:candidate:1.0',
  'urn:ietf:params:netconf:capability:startup:1.0',
  'urn:ietf:params:netconf:capability:notification:1.0',
  'urn:ietf:params:netconf:capability:yang-library:1.1?revision=2019-01-04&content-id=lab-7800',
  'http://tail-f.com/ns/netconf/actions/1.0',
];

const JUNOS_CAPABILITIES = [
  'urn:ietf:params:netconf:capability:candidate:1.0',
  'urn:ietf:params:netconf:capability:confirmed-commit:1.0',
  'urn:ietf:params:netconf:capability:validate:1.0',
  'urn:ietf:params:netconf:capability:notification:1.0',
  'urn:ietf:params:netconf:capability:yang-library:1.0?revision=2016-06-21&module-set-id=lab-mx',
  'http://xml.juniper.net/netconf/junos/1.0',
  'http://xml.juniper.net/dmi/system/1.0',
];
