import { formatFtpReply } from '../../probes/protocols/ftp/reply.js';
import { listenTcp, type ConnectionHandler } from './listen.js';
import { readLines } from './line-reader.js';
import type { PeerEndpoint, PeerHandle } from './types.js';

/**
 * A simulated FTP control port (RFC 959): a multi-line 220 greeting, 221 to QUIT, 530 to anything
 * else (nobody logs in to the lab). `oops` reproduces vsftpd's reply when its configuration is
 * broken: `500 OOPS: ...` at connect, then the connection closes.
 */

export interface FtpServiceOptions {
  /** Last line of the greeting (after `220 `). @default '(vsFTPd 3.0.3)' */
  readonly software?: string;
  /** Fault: `500 OOPS: <text>` at connect. true uses vsftpd's classic message. */
  readonly oops?: boolean | string;
}

export interface FtpPeerOptions extends FtpServiceOptions, PeerEndpoint {}

const VSFTPD_OOPS = 'vsftpd: both local and anonymous access disabled!';

export function ftpHandler(options: FtpServiceOptions = {}): ConnectionHandler {
  return (socket) => {
    if (options.oops) {
      socket.end(formatFtpReply(500, [`OOPS: ${options.oops === true ? VSFTPD_OOPS : options.oops}`]));
      return;
    }
    socket.write(formatFtpReply(220, ['Welcome to the PSM lab file service.', 'Transfers are logged.', options.software ?? '(vsFTPd 3.0.3)']));
    readLines(socket, (line) => {
      const command = line.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
      if (command === 'QUIT') socket.end(formatFtpReply(221, ['Goodbye.']));
      else socket.write(formatFtpReply(530, ['Please login with USER and PASS.']));
    });
  };
}

export function startFtpPeer(options: FtpPeerOptions): Promise<PeerHandle> {
  return listenTcp(options, ftpHandler(options));
}
