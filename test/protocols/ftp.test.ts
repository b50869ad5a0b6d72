import { describe, expect, it } from 'vitest';
import { FTP_REPLY, formatFtpReply, parseFtpReply, type FtpReply } from '../../probes/protocols/ftp/reply.js';

/**
 * FTP replies as the lab's server writes them and the probe reads them (RFC 959 §4.2): the
 * probe's banner exchange takes a reply where FTP_REPLY matches and reads it with parseFtpReply.
 * The probe itself is also checked against vsftpd in test/real/ftp.test.ts.
 */

/** Reads `count` replies off the front of `text` as the probe's banner exchange does. */
function readBack(text: string, count: number): FtpReply[] {
  const replies: FtpReply[] = [];
  let rest = text;
  for (let i = 0; i < count; i += 1) {
    const match = FTP_REPLY.exec(rest);
    if (match === null) throw new Error(`no complete reply in ${JSON.stringify(rest)}`);
    replies.push(parseFtpReply(match[0]));
    rest = rest.slice(match[0].length);
  }
  return replies;
}

describe('ftp reply codec', () => {
  it('one-line and multi-line replies read back with their codes and lines', () => {
    const greeting = formatFtpReply(220, ['Welcome.', 'Transfers are logged.', '(vsFTPd 3.0.3)']);
    expect(greeting).toBe('220-Welcome.\r\n220-Transfers are logged.\r\n220 (vsFTPd 3.0.3)\r\n');
    const replies = readBack(greeting + formatFtpReply(221, ['Goodbye.']), 2);
    expect(replies).toEqual([
      { code: 220, lines: ['220-Welcome.', '220-Transfers are logged.', '220 (vsFTPd 3.0.3)'] },
      { code: 221, lines: ['221 Goodbye.'] },
    ]);
  });

  it('a middle line that looks like another reply does not end the block', () => {
    const [reply] = readBack(formatFtpReply(230, ['first', '530 not the end', 'last']), 1);
    expect(reply).toMatchObject({ code: 230, lines: ['230-first', '230-530 not the end', '230 last'] });
  });

  it('an unfinished multi-line reply is no reply at all', () => {
    expect(FTP_REPLY.test('220-Welcome.\r\n220-still going\r\n')).toBe(false);
  });
});
