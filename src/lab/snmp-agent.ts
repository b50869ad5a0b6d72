import snmp from 'net-snmp';
import { listenerSockets } from '../../probes/protocols/snmp/listener-sockets.js';
import { SYSTEM_GROUP, type SystemObject } from '../../probes/protocols/snmp/oids.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * A simulated SNMP agent (an NE's UDP 161) on net-snmp's Agent: the system group for a v2c
 * community and one v3 user (SHA authentication, AES privacy). Like Net-SNMP, it drops requests
 * with an unknown community silently, and answers an unknown v3 user with a Report.
 */

export interface SnmpV3User {
  readonly name: string;
  readonly authKey: string;
  readonly privKey: string;
}

export interface SnmpAgentOptions {
  /** @default 'public' */
  readonly community?: string;
  /** A user at authPriv with SHA and AES; none when absent. */
  readonly v3User?: SnmpV3User;
  /** @default 'PSM lab simulated network element' */
  readonly sysDescr?: string;
  /** @default '1.3.6.1.4.1.8072.3.2.10' (Net-SNMP's Linux agent) */
  readonly sysObjectID?: string;
  /** @default 'lab-agent' */
  readonly sysName?: string;
  /** Hex engine ID; net-snmp makes a random one when absent. */
  readonly engineID?: string;
}

export interface SnmpAgentPeerOptions extends SnmpAgentOptions, PeerEndpoint {}

export interface SnmpAgentHandle extends PeerHandle {
  readonly community: string;
}

export interface SnmpAgentGroup {
  readonly handles: readonly SnmpAgentHandle[];
  close(): Promise<void>;
}

/**
 * One agent serving several endpoints with one MIB (the benchmark's many NEs share it: a socket
 * per address, one MIB and one engine). Ports must be given (net-snmp turns port 0 into 161).
 */
export async function startSnmpAgentGroup(
  endpoints: readonly PeerEndpoint[],
  options: SnmpAgentOptions = {},
): Promise<SnmpAgentGroup> {
  for (const endpoint of endpoints) {
    if (endpoint.port === 0) throw new Error('snmp agent: give an explicit port (net-snmp binds 161 for 0)');
  }
  const community = options.community ?? 'public';
  const sockets = listenerSockets();
  const startedAt = performance.now();

  const agent = snmp.createAgent(
    {
      sockets: endpoints.map((endpoint) => ({
        transport: endpoint.address.includes(':') ? 'udp6' : 'udp4',
        address: endpoint.address,
        port: endpoint.port,
      })),
      engineID: options.engineID,
      dgramModule: sockets.dgramModule,
    },
    // Every refused request (a wrong community...) comes here; nothing to do: a real agent drops it.
    () => undefined,
  );

  const authorizer = agent.getAuthorizer();
  authorizer.addCommunity(community);
  if (options.v3User) {
    authorizer.addUser({
      name: options.v3User.name,
      level: snmp.SecurityLevel.authPriv,
      authProtocol: snmp.AuthProtocols.sha,
      authKey: options.v3User.authKey,
      privProtocol: snmp.PrivProtocols.aes,
      privKey: options.v3User.privKey,
    });
  }

  const mib = agent.getMib();
  const scalar = (name: SystemObject, scalarType: number, handler?: (request: MibRequest) => void): void =>
    mib.registerProvider({ name, type: snmp.MibProviderType.Scalar, oid: SYSTEM_GROUP[name], scalarType, maxAccess: snmp.MaxAccess['read-only'], handler });
  scalar('sysDescr', snmp.ObjectType.OctetString);
  scalar('sysObjectID', snmp.ObjectType.OID);
  scalar('sysUpTime', snmp.ObjectType.TimeTicks, (request) => {
    // Hundredths of a second since the agent started, wrapping at 2^32 as the real counter does.
    request.instanceNode.value = Math.floor((performance.now() - startedAt) / 10) % 2 ** 32;
    request.done();
  });
  scalar('sysName', snmp.ObjectType.OctetString);
  mib.setScalarValue('sysDescr', options.sysDescr ?? 'PSM lab simulated network element');
  mib.setScalarValue('sysObjectID', options.sysObjectID ?? '1.3.6.1.4.1.8072.3.2.10');
  mib.setScalarValue('sysUpTime', 0);
  mib.setScalarValue('sysName', options.sysName ?? 'lab-agent');

  // A bind error fails the whole group (the sockets already bound are closed).
  const created = await sockets.listening();
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      let open = created.length;
      agent.close(() => {
        open -= 1;
        if (open === 0) resolve();
      });
    });

  const handles = created.map((socket, index) => ({
    address: endpoints[index]?.address ?? '',
    port: socket.address().port,
    transport: 'udp' as const,
    community,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }));
  return { handles, close };
}

export async function startSnmpAgent(options: SnmpAgentPeerOptions): Promise<SnmpAgentHandle> {
  const group = await startSnmpAgentGroup([options], options);
  const handle = group.handles[0];
  if (handle === undefined) throw new Error('snmp agent: no socket bound');
  return { ...handle, close: group.close };
}

interface MibRequest {
  instanceNode: { value: unknown };
  done(): void;
}
