import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PortKey } from '../matrix/types.js';
import type { NeType, OptionalService, Role } from '../core/model.js';
import { NetcheckError } from '../core/errors.js';
import { addressInUse, BlockInUseError, candidateBlocks, claimBlock, heldOnEveryAddress, type BlockClaim, type PortInUse } from './address-block.js';
import { startDnsServer } from './dns-server.js';
import { ftpHandler } from './ftp-peer.js';
import { generateHostKey, type LabHostKey } from './host-key.js';
import { createHttpService } from './https-peer.js';
import { startUdpEchoPeer } from './echo-peer.js';
import { INVENTORY_SECRETS, renderInventory, type InventoryYamlOptions } from './inventory.js';
import { closeAll, listenTcp, type ConnectionHandler } from './listen.js';
import { mysqlHandler } from './mysql-peer.js';
import { startNocReceiver } from './noc-receiver.js';
import { startNtpServer } from './ntp-server.js';
import {
  LAB_RADIUS_PROBE_USER,
  LAB_SNMP_USER,
  LAB_SSH_USER,
  LAB_ZONE,
  planLab,
  type HostPlan,
  type LabFault,
  type LabPlan,
  type LabPlanOptions,
  type LabSecrets,
  type ListenerPlan,
  type PeerSpec,
} from './plan.js';
import { startRadiusServer } from './radius-server.js';
import { silentHandler } from './silent-peer.js';
import { startSnmpAgentGroup, type SnmpAgentOptions } from './snmp-agent.js';
import { createSshService } from './ssh-peer.js';
import { telnetHandler } from './telnet-tl1-peer.js';
import type { LabTransport, PeerEndpoint } from './types.js';

/**
 * A whole simulated PSM network in this process: PSM servers and a client, network elements of
 * every type, a NOC, RADIUS, NTP, DNS, FTP/SFTP and HTTP hosts, each on its own 127.x.y.z
 * address, with faults on purpose (see plan.ts for the layout). No root, no network: loopback only.
 */

export type LabOptions = LabPlanOptions;

export interface LabListener {
  readonly port: number;
  readonly transport: LabTransport;
  readonly portKey?: PortKey;
  /** What answers there: 'ssh', 'snmp-agent', 'telnet', 'silent-tcp'... */
  readonly service: PeerSpec['kind'];
}

export interface LabHost {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly neType?: NeType;
  readonly address: string;
  readonly services: readonly OptionalService[];
  /** The `ports:` overrides the inventory carries for this host. */
  readonly ports: Readonly<Partial<Record<PortKey, number | readonly [number, number]>>>;
  readonly listeners: readonly LabListener[];
  readonly faults: readonly LabFault[];
  /** SSH host key fingerprint (`SHA256:...`) when the host runs an SSH service. */
  readonly fingerprint?: string;
}

export interface Lab {
  /** The lab's addresses: `127.N.0.0/16`, the block it found free (or was given). */
  readonly network: string;
  readonly hosts: readonly LabHost[];
  /** Every fault set up on purpose, with its host and port. */
  readonly faults: readonly LabFault[];
  /** The host the checker runs as: `--from <vantage>`. */
  readonly vantage: string;
  /** Every secret by name (the inventory's secret files are named after them). */
  readonly secrets: Readonly<Record<keyof LabSecrets, string>>;
  /** The host of this name; throws for an unknown name. */
  host(name: string): LabHost;
  /** The inventory, with secrets as `{ file: <secretsDir>/<name> }`. */
  inventoryYaml(options?: InventoryYamlOptions): string;
  /**
   * Writes `inventory.yaml` and `secrets/<name>` (mode 0600) into `dir`; returns the inventory's path.
   */
  writeInventory(dir: string): Promise<string>;
  /** Stops every listener; the process holds no handle of the lab afterwards. */
  close(): Promise<void>;
}

/**
 * Starts the lab. Layout (devices.ts): infrastructure on 127.N.0.x, network elements from
 * 127.N.1.1 on (250 per third octet); each host listens on the ports the vendor's tables give its
 * roles (plan.ts), keyed ports at their well-known number + 20000 (ports.ts).
 *
 * The block: `base` when given (only that one), else the first free one from 127.77 on
 * (address-block.ts): a block another lab has claimed, or where another program holds one of the
 * lab's ports, is skipped. A port held on every address (a wildcard listener) blocks every block:
 * then, as when `base` is taken, start fails with E_LAB_IN_USE naming the port.
 *
 * Cost: a few descriptors per element (bti7000 7, bti700/800 2; the average and the memory:
 * docs/benchmarks.md, "Figures behind the code"); above 20 elements, NEs share one host key and
 * one SNMP agent. Mind the process's descriptor limit when the checker runs in the same process.
 */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const identity = makeIdentity();
  if (options.base !== undefined) {
    const claim = await claimBlock(options.base);
    if (claim === undefined) {
      throw new NetcheckError('E_LAB_IN_USE', `the lab's addresses ${options.base}.0.0/16 are in use by another psm-netcheck lab or demo`);
    }
    try {
      return await startPlanned(planLab(options), identity, claim);
    } catch (error) {
      await claim.release();
      if (error instanceof BlockInUseError) {
        const everywhere = await heldEverywhere(error.ports, options.base);
        throw inUse(error.ports, `the simulated network cannot start on ${options.base}.0.0/16`, everywhere);
      }
      throw error;
    }
  }

  const conflicts: PortInUse[] = [];
  let busyBlocks = 0;
  for (const base of candidateBlocks()) {
    const claim = await claimBlock(base);
    if (claim === undefined) continue; // another lab's
    try {
      return await startPlanned(planLab({ ...options, base }), identity, claim);
    } catch (error) {
      await claim.release();
      if (!(error instanceof BlockInUseError)) throw error;
      conflicts.push(...error.ports);
      // A port held on every address blocks every block: say so now rather than after eight.
      if (await heldEverywhere(error.ports, base)) throw inUse(conflicts, 'the simulated network cannot start', true);
      if (++busyBlocks >= MAX_BUSY_BLOCKS) break;
    }
  }
  throw inUse(conflicts, 'the simulated network cannot start');
}

/** Blocks with a port in use that a lab tries before it gives up. */
const MAX_BUSY_BLOCKS = 8;

async function heldEverywhere(ports: readonly PortInUse[], base: string): Promise<boolean> {
  const held = await Promise.all(ports.slice(0, 4).map((port) => heldOnEveryAddress(port, base)));
  return held.includes(true);
}

function inUse(ports: readonly PortInUse[], where: string, everywhere = false): NetcheckError {
  if (ports.length === 0) return new NetcheckError('E_LAB_IN_USE', `${where}: every block is claimed by another psm-netcheck lab or demo`);
  const byPort = new Map<string, string[]>();
  for (const port of ports) {
    const key = `${port.transport} port ${port.port}`;
    const addresses = byPort.get(key) ?? [];
    if (!addresses.includes(port.address)) addresses.push(port.address);
    byPort.set(key, addresses);
  }
  const held = [...byPort].map(([port, addresses]) => {
    const shown = addresses.slice(0, 2).join(', ');
    const more = addresses.length > 2 ? ` and ${addresses.length - 2} more of the lab's addresses` : '';
    return `${port} on ${shown}${more}`;
  });
  const first = ports[0] as PortInUse;
  return new NetcheckError(
    'E_LAB_IN_USE',
    `${where}: another program holds ${held.join('; ')}${everywhere ? ', and on every address (0.0.0.0 or ::)' : ''}; ` +
      `find it with \`ss -lnp 'sport = :${first.port}'\``,
  );
}

/** What a lab keeps whichever block it ends on: its secrets and SSH host keys. */
interface LabIdentity {
  readonly secrets: Readonly<Record<keyof LabSecrets, string>>;
  hostKey(group: string): LabHostKey;
  /** A key no host has: what a `host-key-changed` inventory remembers. */
  readonly staleKey: LabHostKey;
}

function makeIdentity(): LabIdentity {
  const keys = new Map<string, LabHostKey>();
  return {
    secrets: makeSecrets(),
    staleKey: generateHostKey(),
    hostKey(group) {
      let key = keys.get(group);
      if (key === undefined) {
        key = generateHostKey();
        keys.set(group, key);
      }
      return key;
    },
  };
}

/** Starts every peer of the plan; on failure closes what started (BlockInUseError for EADDRINUSE). */
async function startPlanned(plan: LabPlan, identity: LabIdentity, claim: BlockClaim): Promise<Lab> {
  const { secrets, hostKey, staleKey } = identity;
  const closers: Array<{ close(): Promise<void> }> = [];
  const handlers = new Map<string, Promise<ConnectionHandler>>();
  const snmpGroups = new Map<string, { options: SnmpAgentOptions; endpoints: PeerEndpoint[] }>();
  const records: Record<string, string[]> = { big: [] };
  for (const host of plan.hosts) {
    records[host.name] = [host.address];
    if (records.big && records.big.length < 40) records.big.push(host.address);
  }

  const handlerFor = (host: HostPlan, listener: ListenerPlan): Promise<ConnectionHandler> => {
    const spec = listener.spec;
    // Behaviour is shared where it may be: SSH per host key, HTTPS per host (its certificate).
    const scope = spec.kind === 'ssh' ? host.hostKeyGroup : spec.kind === 'http' ? host.name : '';
    const cacheKey = `${scope}|${JSON.stringify(spec)}`;
    let handler = handlers.get(cacheKey);
    if (handler === undefined) {
      handler = makeHandler(spec, host, { hostKey: () => hostKey(host.hostKeyGroup), secrets });
      handlers.set(cacheKey, handler);
    }
    return handler;
  };

  const starts: Array<Promise<unknown>> = [];
  const taken: PortInUse[] = [];
  const track = <T extends { close(): Promise<void> }>(started: Promise<T>, what: string, where: PortInUse): void => {
    starts.push(
      started.then(
        (handle) => closers.push(handle),
        (error: unknown) => {
          const held = addressInUse(error, where);
          if (held !== undefined) taken.push(held);
          throw new Error(
            `lab: cannot start ${what} on ${where.address}:${where.port}/${where.transport}: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
        },
      ),
    );
  };

  for (const host of plan.hosts) {
    const radius = { auth: undefined as ListenerPlan | undefined, acct: undefined as ListenerPlan | undefined };
    for (const listener of host.listeners) {
      const what = `${listener.spec.kind} of ${host.name}`;
      const endpoint = { address: host.address, port: listener.port };
      const where = { ...endpoint, transport: listener.transport };
      const spec = listener.spec;
      switch (spec.kind) {
        case 'snmp-agent': {
          const agentOptions: SnmpAgentOptions = {
            ...spec.options,
            community: secrets['snmp-community'],
            v3User: { name: LAB_SNMP_USER, authKey: secrets['snmp-auth-key'], privKey: secrets['snmp-priv-key'] },
          };
          const key = JSON.stringify(agentOptions);
          const group = snmpGroups.get(key) ?? { options: agentOptions, endpoints: [] };
          group.endpoints.push(endpoint);
          snmpGroups.set(key, group);
          break;
        }
        case 'noc-receiver':
          track(startNocReceiver({ ...endpoint, community: secrets[spec.community] }), what, where);
          break;
        case 'radius':
          radius[spec.role] = listener;
          break;
        case 'ntp':
          track(startNtpServer({ ...endpoint, ...spec.options }), what, where);
          break;
        case 'dns':
          track(startDnsServer({ ...endpoint, zone: LAB_ZONE, records, truncateUdp: ['big'] }), what, where);
          break;
        case 'echo-udp':
          track(startUdpEchoPeer(endpoint), what, where);
          break;
        default:
          track(
            handlerFor(host, listener).then((handler) => listenTcp(endpoint, handler)),
            what,
            where,
          );
      }
    }
    if (radius.auth !== undefined && radius.auth.spec.kind === 'radius') {
      const spec = radius.auth.spec;
      track(
        startRadiusServer({
          address: host.address,
          port: radius.auth.port,
          ...(radius.acct ? { acctPort: radius.acct.port } : {}),
          secret: spec.wrongSecret ? secrets['radius-wrong-secret'] : secrets['radius-secret'],
          probeUser: { username: LAB_RADIUS_PROBE_USER, password: secrets['radius-probe-password'] },
          omitMessageAuthenticator: spec.omitMessageAuthenticator ?? false,
        }),
        `radius of ${host.name}`,
        { address: host.address, port: radius.auth.port, transport: 'udp' },
      );
    }
  }
  for (const group of snmpGroups.values()) {
    const first = group.endpoints[0];
    if (first === undefined) continue;
    track(startSnmpAgentGroup(group.endpoints, group.options), `snmp agent (and ${group.endpoints.length - 1} more)`, { ...first, transport: 'udp' });
  }

  const results = await Promise.allSettled(starts);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await closeAll(closers);
    if (taken.length > 0) throw new BlockInUseError(plan.base, taken);
    throw failure.reason;
  }

  const hosts: LabHost[] = plan.hosts.map((host) => {
    const key = host.listeners.some((listener) => listener.spec.kind === 'ssh') ? hostKey(host.hostKeyGroup) : undefined;
    return {
      name: host.name,
      roles: host.roles,
      ...(host.neType ? { neType: host.neType } : {}),
      address: host.address,
      services: host.services,
      ports: host.ports,
      listeners: host.listeners.map((listener) => ({
        port: listener.port,
        transport: listener.transport,
        ...(listener.portKey ? { portKey: listener.portKey } : {}),
        service: listener.spec.kind,
      })),
      faults: host.faults,
      ...(key ? { fingerprint: key.fingerprint } : {}),
    };
  });
  const presented = new Map(hosts.flatMap((host) => (host.fingerprint ? [[host.name, host.fingerprint] as const] : [])));
  const byName = new Map(hosts.map((host) => [host.name, host]));
  const inventoryYaml = (yamlOptions?: InventoryYamlOptions): string =>
    renderInventory(plan, { presented, stale: staleKey.fingerprint }, yamlOptions);
  let closed: Promise<void> | undefined;

  return {
    network: `${plan.base}.0.0/16`,
    hosts,
    faults: plan.faults,
    vantage: plan.vantage,
    secrets,
    host(name) {
      const host = byName.get(name);
      if (host === undefined) throw new Error(`lab: no host named ${name}`);
      return host;
    },
    inventoryYaml,
    async writeInventory(dir) {
      const secretsDir = path.join(dir, 'secrets');
      await mkdir(secretsDir, { recursive: true, mode: 0o700 });
      for (const name of INVENTORY_SECRETS) {
        const file = path.join(secretsDir, name);
        await writeFile(file, secrets[name], { mode: 0o600 });
        await chmod(file, 0o600); // an existing file keeps its old mode otherwise
      }
      const inventoryPath = path.join(dir, 'inventory.yaml');
      await writeFile(inventoryPath, inventoryYaml({ secretsDir: 'secrets' }));
      return inventoryPath;
    },
    close() {
      closed ??= closeAll(closers).then(() => claim.release());
      return closed;
    },
  };
}

/** Fresh random secrets per lab: nothing to leak, and every run proves the files are read. */
function makeSecrets(): Readonly<Record<keyof LabSecrets, string>> {
  const random = (prefix: string): string => `${prefix}-${randomBytes(9).toString('base64url')}`;
  return {
    'ne-ssh-password': random('ssh'),
    'snmp-community': random('community'),
    'snmp-auth-key': random('auth'),
    'snmp-priv-key': random('priv'),
    'noc-community': random('noc'),
    'radius-secret': random('radius'),
    'radius-probe-password': random('probe'),
    'radius-wrong-secret': random('not-the-inventory-secret'),
  };
}

async function makeHandler(
  spec: PeerSpec,
  host: HostPlan,
  context: { hostKey: () => LabHostKey; secrets: Readonly<Record<keyof LabSecrets, string>> },
): Promise<ConnectionHandler> {
  switch (spec.kind) {
    case 'ssh':
      return createSshService({
        ...spec.options,
        hostKey: context.hostKey(),
        username: LAB_SSH_USER,
        password: context.secrets['ne-ssh-password'],
      }).onConnection;
    case 'http':
      return (await createHttpService({ ...spec.options, ipAddresses: [host.address] })).onConnection;
    case 'ftp':
      return ftpHandler(spec.options);
    case 'telnet':
      return telnetHandler(spec.options);
    case 'mysql':
      return mysqlHandler(spec.options);
    case 'silent-tcp':
      return silentHandler;
    default:
      throw new Error(`lab: ${spec.kind} is not a TCP connection handler`);
  }
}
