import dgram from 'node:dgram';
import snmp from 'net-snmp';

/**
 * A net-snmp agent on 127.0.0.1 for probe tests: one v2c community, optional v3 users, the
 * system group (sysDescr, sysObjectID, sysUpTime, sysName). An independent implementation of the
 * wire format, so it checks the probe's hand-built BER as well.
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
 * net-snmp turns port 0 into 161 (or 162): hand it a socket module that lets the kernel pick the
 * port, and read the port back once bound.
 */
function anyPortSockets(): { dgramModule: { createSocket(type: dgram.SocketType): dgram.Socket }; port(): Promise<number> } {
  let bound: Promise<number> | undefined;
  return {
    dgramModule: {
      createSocket(type) {
        const created = dgram.createSocket(type);
        const bind = created.bind.bind(created) as (port: number, address: string, cb: () => void) => dgram.Socket;
        bound = new Promise((resolve) => {
          (created as unknown as { bind: (port: number, address: string) => dgram.Socket }).bind = (_port, address) =>
            bind(0, address, () => resolve(created.address().port));
        });
        return created;
      },
    },
    port: () => bound ?? Promise.reject(new Error('no socket created')),
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
  const scalar = (name: string, oid: string, scalarType: number, value: unknown): void => {
    mib.registerProvider({ name, type: snmp.MibProviderType.Scalar, oid, scalarType, maxAccess: snmp.MaxAccess['read-only'] });
    mib.setScalarValue(name, value);
  };
  scalar('sysDescr', '1.3.6.1.2.1.1.1', snmp.ObjectType.OctetString, AGENT_SYS_DESCR);
  scalar('sysObjectID', '1.3.6.1.2.1.1.2', snmp.ObjectType.OID, '1.3.6.1.4.1.8072.3.2.10');
  scalar('sysUpTime', '1.3.6.1.2.1.1.3', snmp.ObjectType.TimeTicks, 4242);
  scalar('sysName', '1.3.6.1.2.1.1.5', snmp.ObjectType.OctetString, setup.sysName ?? 'agent.test');

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
