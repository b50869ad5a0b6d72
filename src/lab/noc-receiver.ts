import snmp from 'net-snmp';
import { listenerSockets } from '../../probes/protocols/snmp/listener-sockets.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * A simulated NOC notification receiver (UDP 162 on a real NOC; the lab uses a high port, since
 * 162 needs root). net-snmp's Receiver answers every InformRequest that carries a known community
 * with a Response (RFC 3416 §4.2.7); traps are never answered, and an unknown community is dropped.
 */

export interface NocReceiverOptions extends PeerEndpoint {
  /** @default 'public' */
  readonly community?: string;
  /** Notifications kept for inspection (oldest dropped first). @default 100 */
  readonly keep?: number;
}

export interface ReceivedNotification {
  /** PDU type: 166 InformRequest, 167 SNMPv2-Trap, 164 v1 Trap. */
  readonly type: number;
  readonly from: string;
  readonly varbinds: ReadonlyArray<{ readonly oid: string; readonly value: unknown }>;
}

export interface NocReceiverHandle extends PeerHandle {
  readonly community: string;
  /** Notifications received so far (informs and traps with the right community). */
  readonly received: readonly ReceivedNotification[];
}

export async function startNocReceiver(options: NocReceiverOptions): Promise<NocReceiverHandle> {
  if (options.port === 0) throw new Error('noc receiver: give an explicit port (net-snmp binds 162 for 0)');
  const community = options.community ?? 'public';
  const keep = options.keep ?? 100;
  const received: ReceivedNotification[] = [];
  const sockets = listenerSockets();

  const receiver = snmp.createReceiver(
    {
      address: options.address,
      port: options.port,
      transport: options.address.includes(':') ? 'udp6' : 'udp4',
      dgramModule: sockets.dgramModule,
    },
    (error: Error | null, notification: Notification | null) => {
      // Refused notifications (a wrong community) come as errors: a real receiver drops them too.
      if (error || notification === null) return;
      received.push({
        type: notification.pdu.type,
        from: notification.rinfo.address,
        varbinds: notification.pdu.varbinds.map((varbind) => ({ oid: varbind.oid, value: varbind.value })),
      });
      if (received.length > keep) received.shift();
    },
  );
  receiver.getAuthorizer().addCommunity(community);
  const [socket] = await sockets.listening();

  return {
    address: options.address,
    port: socket?.address().port ?? options.port,
    transport: 'udp',
    community,
    received,
    close: () => new Promise<void>((resolve) => receiver.close(() => resolve())),
  };
}

interface Notification {
  pdu: { type: number; varbinds: Array<{ oid: string; value: unknown }> };
  rinfo: { address: string };
}
