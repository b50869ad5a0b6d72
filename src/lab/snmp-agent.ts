import dgram from 'node:dgram';
import snmp from 'net-snmp';
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
  const created: dgram.Socket[] = [];
  const startedAt = performance.now();
  let bindFailure: ((error: Error) => void) | undefined;

  const agent = snmp.createAgent(
    {
      sockets: endpoints.map((endpoint) => ({
        transport: endpoint.address.includes(':') ? 'udp6' : 'udp4',
        address: endpoint.address,
        port: endpoint.port,
      })),
      engineID: options.engineID,
      // Only to learn when each socket is bound (net-snmp does not say): the sockets are the real ones.
      dgramModule: {
        createSocket: (type: dgram.SocketType) => {
          const socket = dgram.createSocket(type);
          created.push(socket);
          return socket;
        },
      },
    },
    // Called for bind errors and for every refused request (wrong community...): only the former matter.
    (error: (Error & { rinfo?: unknown }) | null) => {
      if (error && error.rinfo === undefined) bindFailure?.(error);
    },
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
  const system = '1.3.6.1.2.1.1';
  const scalar = (name: string, oid: string, scalarType: number, handler?: (request: MibRequest) => void): void =>
    mib.registerProvider({ name, type: snmp.MibProviderType.Scalar, oid, scalarType, maxAccess: snmp.MaxAccess['read-only'], handler });
  scalar('sysDescr', `${system}.1`, snmp.ObjectType.OctetString);
  scalar('sysObjectID', `${system}.2`, snmp.ObjectType.OID);
  scalar('sysUpTime', `${system}.3`, snmp.ObjectType.TimeTicks, (request) => {
    // Hundredths of a second since the agent started, wrapping at 2^32 as the real counter does.
    request.instanceNode.value = Math.floor((performance.now() - startedAt) / 10) % 2 ** 32;
    request.done();
  });
  scalar('sysName', `${system}.5`, snmp.ObjectType.OctetString);
  mib.setScalarValue('sysDescr', options.sysDescr ?? 'PSM lab simulated network element');
  mib.setScalarValue('sysObjectID', options.sysObjectID ?? '1.3.6.1.4.1.8072.3.2.10');
  mib.setScalarValue('sysUpTime', 0);
  mib.setScalarValue('sysName', options.sysName ?? 'lab-agent');

  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      let open = created.length;
      if (open === 0) resolve();
      agent.close(() => {
        open -= 1;
        if (open === 0) resolve();
      });
    });

  // A bind error reaches the agent's callback without saying which socket: any one fails the start.
  const failed = new Promise<never>((_resolve, reject) => {
    bindFailure = reject;
  });
  failed.catch(() => undefined);
  const listening = created.map((socket) => new Promise<void>((resolve) => socket.once('listening', () => resolve())));
  try {
    await Promise.race([Promise.all(listening), failed]);
  } catch (error) {
    closeQuietly(created);
    throw error;
  }

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

function closeQuietly(sockets: readonly dgram.Socket[]): void {
  for (const socket of sockets) {
    try {
      socket.close();
    } catch {
      // Not bound yet or already closed: nothing to release.
    }
  }
}
