import { randomBytes } from 'node:crypto';
import { CAPABILITY } from '../../probes/protocols/mysql/packet.js';
import { COM_QUIT, encodeErr, encodeHandshakeV10, encodePacket, takePacket } from '../../probes/protocols/mysql/server.js';
import { listenTcp, type ConnectionHandler } from './listen.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * A simulated MySQL server's first packets: the HandshakeV10 greeting (or an ERR packet in its
 * place, as a server that refuses the host sends), COM_QUIT, and ERR 1045 to any login (the lab
 * holds no MySQL accounts).
 */

export type MysqlRefusal = 1040 | 1129 | 1130;

export interface MysqlServiceOptions {
  /** @default '8.0.36-lab' */
  readonly version?: string;
  /**
   * Fault: send this ERR packet instead of the greeting, then close: 1129 host blocked (too many
   * handshake errors), 1130 host not allowed, 1040 too many connections.
   */
  readonly errCode?: MysqlRefusal;
}

export interface MysqlPeerOptions extends MysqlServiceOptions, PeerEndpoint {}

const { longPassword, longFlag, connectWithDb, protocol41, transactions, secureConnection, pluginAuth, connectAttrs, pluginAuthLenencClientData } =
  CAPABILITY;
// No SSL flag: the lab offers no TLS.
const CAPABILITIES =
  longPassword | longFlag | connectWithDb | protocol41 | transactions | secureConnection | pluginAuth | connectAttrs | pluginAuthLenencClientData;

export function mysqlHandler(options: MysqlServiceOptions = {}): ConnectionHandler {
  let threadId = 1;
  return (socket) => {
    const peer = socket.remoteAddress ?? 'unknown';
    if (options.errCode !== undefined) {
      socket.end(encodePacket(0, encodeErr(options.errCode, refusalText(options.errCode, peer))));
      return;
    }
    socket.write(encodePacket(0, greeting(options.version ?? '8.0.36-lab', threadId++)));
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      if (pending.length > 65536) {
        socket.destroy();
        return;
      }
      const packet = takePacket(pending);
      if (packet === undefined) return;
      // A one-byte COM_QUIT, with sequence 0 (a command) or 1 (in place of the handshake
      // response, as the probe sends it and as MariaDB accepts without logging an error).
      if (packet.payload.length === 1 && packet.sequence <= 1 && packet.payload[0] === COM_QUIT) {
        socket.end();
        return;
      }
      // Anything else at this stage is a HandshakeResponse: refuse it as an unknown account would be.
      socket.end(encodePacket(packet.sequence + 1, encodeErr(1045, `Access denied for user (using password: YES)`, '28000')));
    });
  };
}

export function startMysqlPeer(options: MysqlPeerOptions): Promise<PeerHandle> {
  return listenTcp(options, mysqlHandler(options));
}

function greeting(version: string, threadId: number): Buffer {
  return encodeHandshakeV10({
    serverVersion: version,
    connectionId: threadId,
    capabilities: CAPABILITIES,
    characterSet: 255, // utf8mb4_0900_ai_ci
    statusFlags: 0x0002, // SERVER_STATUS_AUTOCOMMIT
    authData: Buffer.from(randomBytes(20).map((byte) => (byte % 94) + 33)), // printable, never NUL
    authPlugin: 'caching_sha2_password',
  });
}

function refusalText(code: MysqlRefusal, host: string): string {
  switch (code) {
    case 1040:
      return 'Too many connections';
    case 1129:
      return `Host '${host}' is blocked because of many connection errors; unblock with 'mysqladmin flush-hosts'`;
    case 1130:
      return `Host '${host}' is not allowed to connect to this MySQL server`;
  }
}
