import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PortKey } from '../matrix/types.js';
import type { NeType, OptionalService, Role } from '../core/model.js';
import { startDnsServer } from './dns-server.js';
import { ftpHandler } from './ftp-peer.js';
import { generateHostKey, type LabHostKey } from './host-key.js';
import { createHttpService } from './https-peer.js';
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
 * Starts the lab. Layout (base 127.77): infrastructure on 127.77.0.x (psm-server-1 .1, psm-server-2
 * .2, psm-client-1 .3, noc-1 .10, radius-1/2/3 .20-.22, ntp-1/2 .30-.31, dns-1 .40, ftp-1 .50,
 * http-1 .60), network elements from 127.77.1.1 on (250 per third octet). Keyed ports sit at
 * their well-known number + 20000 (ports.ts).
 *
 * Cost: about 4 descriptors and 25 KB per element on average (bti7000 7 descriptors, bti700/800 2);
 * above 20 elements, NEs share one host key and one SNMP agent. Mind the process's descriptor
 * limit when the checker runs in the same process (5000 elements need about 19000).
 * A port already bound on the machine's wildcard address blocks the lab's address too: start
 * fails with EADDRINUSE naming the host and port; pick another `base` or free the port.
 */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const plan = planLab(options);
  const secrets = makeSecrets();
  const keys = new Map<string, LabHostKey>();
  const hostKey = (group: string): LabHostKey => {
    let key = keys.get(group);
    if (key === undefined) {
      key = generateHostKey();
      keys.set(group, key);
    }
    return key;
  };
  const staleKey = generateHostKey();
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
  const track = <T extends { close(): Promise<void> }>(started: Promise<T>, where: string): void => {
    starts.push(
      started.then(
        (handle) => closers.push(handle),
        (error: unknown) => {
          throw new Error(`lab: cannot start ${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        },
      ),
    );
  };

  for (const host of plan.hosts) {
    const radius = { auth: undefined as ListenerPlan | undefined, acct: undefined as ListenerPlan | undefined };
    for (const listener of host.listeners) {
      const where = `${listener.spec.kind} on ${host.name} ${host.address}:${listener.port}/${listener.transport}`;
      const endpoint = { address: host.address, port: listener.port };
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
          track(
            startNocReceiver({ ...endpoint, community: spec.community === 'noc' ? secrets['noc-community'] : secrets['snmp-community'] }),
            where,
          );
          break;
        case 'radius':
          radius[spec.role] = listener;
          break;
        case 'ntp':
          track(startNtpServer({ ...endpoint, ...spec.options }), where);
          break;
        case 'dns':
          track(startDnsServer({ ...endpoint, zone: LAB_ZONE, records, truncateUdp: ['big'] }), where);
          break;
        default:
          track(
            handlerFor(host, listener).then((handler) => listenTcp(endpoint, handler)),
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
        `radius on ${host.name} ${host.address}:${radius.auth.port}/udp`,
      );
    }
  }
  for (const group of snmpGroups.values()) {
    const first = group.endpoints[0];
    track(startSnmpAgentGroup(group.endpoints, group.options), `snmp agent on ${first?.address}:${first?.port}/udp (and ${group.endpoints.length - 1} more)`);
  }

  const results = await Promise.allSettled(starts);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await closeAll(closers);
    throw failure.reason;
  }

  const presented = new Map<string, string>();
  const hosts: LabHost[] = plan.hosts.map((host) => {
    const key = host.listeners.some((listener) => listener.spec.kind === 'ssh') ? keys.get(host.hostKeyGroup) : undefined;
    if (key) presented.set(host.name, key.fingerprint);
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
  const byName = new Map(hosts.map((host) => [host.name, host]));
  const inventoryYaml = (yamlOptions?: InventoryYamlOptions): string =>
    renderInventory(plan, { presented, stale: staleKey.fingerprint }, yamlOptions);
  let closed: Promise<void> | undefined;

  return {
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
      closed ??= closeAll(closers);
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
