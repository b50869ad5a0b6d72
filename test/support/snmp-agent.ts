import type dgram from 'node:dgram';
import snmp from 'net-snmp';
import { listenerSockets } from '../../probes/protocols/snmp/listener-sockets.js';
import { SYSTEM_GROUP } from '../../probes/protocols/snmp/oids.js';

/**
 * A net-snmp agent on 127.0.0.1 for probe tests: one v2c community, optional v3 users (any
 * protocols), access control per community and user, the system group (sysDescr, sysObjectID,
 * sysUpTime, sysName) with fixed values. The lab's agent (src/lab/snmp-agent.ts) is the
 * deployment-shaped one; this one can refuse in every way a test needs. Real daemons are in test/real.
 */
export interface SnmpAgent {
  readonly port: number;
  readonly engineId: string;
  close(): Promise<void>;
}

export interface AgentSetup {
  readonly community?: string;
  readonly users?: readonly snmp.User[];
  /** Communities or users that exist but may not read (net-snmp answers noAccess). */
  readonly denied?: { readonly communities?: readonly string[]; readonly users?: readonly string[] };
  readonly sysName?: string;
}

export const AGENT_SYS_DESCR = 'psm-netcheck test agent';
export const AGENT_ENGINE_ID = '8000b98380aabbccddeeff00112233';

/**
 * net-snmp turns port 0 into 161 (or 162): the sockets it gets bind port 0 whatever it asks, and
 * the port is read back once they listen.
 */
function anyPortSockets(): { dgramModule: { createSocket(type: dgram.SocketType): dgram.Socket }; port(): Promise<number> } {
  const sockets = listenerSockets();
  return {
    dgramModule: {
      createSocket(type) {
        const created = sockets.dgramModule.createSocket(type);
        const bind = created.bind.bind(created) as (port: number, address: string) => dgram.Socket;
        (created as unknown as { bind: (port: number, address: string) => dgram.Socket }).bind = (_port, address) => bind(0, address);
        return created;
      },
    },
    port: async () => {
      const [socket] = await sockets.listening();
      return socket?.address().port ?? 0;
    },
  };
}

export async function startSnmpAgent(setup: AgentSetup = {}): Promise<SnmpAgent> {
  const sockets = anyPortSockets();
  const denied = setup.denied ?? {};
  const simple = (denied.communities?.length ?? 0) + (denied.users?.length ?? 0) > 0;
  const agent = snmp.createAgent(
    {
      port: 16161,
      address: '127.0.0.1',
      engineID: AGENT_ENGINE_ID,
      dgramModule: sockets.dgramModule,
      accessControlModelType: simple ? snmp.AccessControlModelType.Simple : snmp.AccessControlModelType.None,
    },
    () => undefined,
  );
  const port = await sockets.port();
  const authorizer = agent.getAuthorizer();
  const acm = simple ? authorizer.getAccessControlModel() : undefined;
  authorizer.addCommunity(setup.community ?? 'public');
  acm?.setCommunityAccess(setup.community ?? 'public', snmp.AccessLevel.ReadOnly);
  for (const community of denied.communities ?? []) {
    authorizer.addCommunity(community);
    acm?.setCommunityAccess(community, snmp.AccessLevel.None);
  }
  for (const user of setup.users ?? []) {
    authorizer.addUser(user);
    acm?.setUserAccess(user.name, denied.users?.includes(user.name) ? snmp.AccessLevel.None : snmp.AccessLevel.ReadOnly);
  }

  const mib = agent.getMib();
  const scalar = (name: keyof typeof SYSTEM_GROUP, scalarType: number, value: unknown): void => {
    mib.registerProvider({ name, type: snmp.MibProviderType.Scalar, oid: SYSTEM_GROUP[name], scalarType, maxAccess: snmp.MaxAccess['read-only'] });
    mib.setScalarValue(name, value);
  };
  scalar('sysDescr', snmp.ObjectType.OctetString, AGENT_SYS_DESCR);
  scalar('sysObjectID', snmp.ObjectType.OID, '1.3.6.1.4.1.8072.3.2.10');
  scalar('sysUpTime', snmp.ObjectType.TimeTicks, 4242);
  scalar('sysName', snmp.ObjectType.OctetString, setup.sysName ?? 'agent.test');

  return {
    port,
    engineId: AGENT_ENGINE_ID,
    close: () => new Promise<void>((resolve) => agent.close(() => resolve())),
  };
}

export interface SnmpReceiver {
  readonly port: number;
  /** The varbind OIDs of every notification accepted. */
  readonly notifications: string[][];
  close(): Promise<void>;
}

/** A net-snmp notification receiver on 127.0.0.1 that accepts one community (others are dropped). */
export async function startSnmpReceiver(community: string): Promise<SnmpReceiver> {
  const sockets = anyPortSockets();
  const notifications: string[][] = [];
  const receiver = snmp.createReceiver(
    { port: 16162, address: '127.0.0.1', dgramModule: sockets.dgramModule },
    (error: Error | null, data: { pdu: { varbinds: { oid: string }[] } } | undefined) => {
      if (!error && data) notifications.push(data.pdu.varbinds.map((varbind) => varbind.oid));
    },
  );
  receiver.getAuthorizer().addCommunity(community);
  const port = await sockets.port();
  return { port, notifications, close: () => new Promise<void>((resolve) => receiver.close(() => resolve())) };
}
