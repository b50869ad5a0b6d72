import net from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BoundedReader } from '../../probes/kit/bounded-reader.js';
import { type FtpReply, formatFtpReply, readFtpReply } from '../../probes/protocols/ftp/reply.js';

/**
 * FTP replies as the lab's server writes them and the probe reads them (RFC 959 §4.2). The
 * probe's reader is also checked against vsftpd in test/real/ftp.test.ts.
 */

/** Sends `text` over a loopback connection and reads `count` replies with the probe's reader. */
async function readBack(text: string, count: number): Promise<FtpReply[]> {
  const server = net.createServer((socket) => socket.end(Buffer.from(text, 'latin1')));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  try {
    const reader = new BoundedReader(socket, 64 * 1024);
    const replies: FtpReply[] = [];
    for (let i = 0; i < count; i += 1) replies.push(await readFtpReply(reader, AbortSignal.timeout(5_000)));
    return replies;
  } finally {
    socket.destroy();
    server.close();
  }
}

describe('ftp reply codec', () => {
  it('one-line and multi-line replies read back with their codes and lines', async () => {
    const greeting = formatFtpReply(220, ['Welcome.', 'Transfers are logged.', '(vsFTPd 3.0.3)']);
    expect(greeting).toBe('220-Welcome.\r\n220-Transfers are logged.\r\n220 (vsFTPd 3.0.3)\r\n');
    const replies = await readBack(greeting + formatFtpReply(221, ['Goodbye.']), 2);
    expect(replies).toEqual([
      { kind: 'reply', code: 220, lines: ['220-Welcome.', '220-Transfers are logged.', '220 (vsFTPd 3.0.3)'] },
      { kind: 'reply', code: 221, lines: ['221 Goodbye.'] },
    ]);
  });

  it('a middle line that looks like another reply does not end the block', async () => {
    const [reply] = await readBack(formatFtpReply(230, ['first', '530 not the end', 'last']), 1);
    expect(reply).toMatchObject({ kind: 'reply', code: 230, lines: ['230-first', '230-530 not the end', '230 last'] });
  });
});
