import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import ftp from '../../probes/ftp.js';
import { resettingTcpPeer, silentTcpPeer, type Peer } from '../support/hostile-peers.js';
import { runProbe, tcpTarget } from '../support/probe-context.js';
import { scriptedTcpPeer, waitFor, type ScriptedPeer } from '../support/scripted-peer.js';

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

/** An FTP server that sends `greeting` and answers QUIT with 221, as vsftpd does. */
async function ftpServer(greeting: string | string[], onQuit = '221 Goodbye.\r\n'): Promise<ScriptedPeer> {
  const peer = await scriptedTcpPeer((socket: net.Socket) => {
    for (const part of [greeting].flat()) socket.write(part);
    void waitFor(socket, 'QUIT\r\n').then(() => socket.end(onQuit));
  });
  peers.push(peer);
  return peer;
}

async function probe(port: number, options: { quit?: boolean } = {}, timeoutMs = 2000) {
  return runProbe(ftp, tcpTarget(port), { options, timeoutMs });
}

describe('ftp probe', () => {
  it('reads a 220 greeting, sends QUIT and records the 221', async () => {
    const peer = await ftpServer('220 (vsFTPd 3.0.3)\r\n');
    const facts = await probe(peer.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'ftp-ok' });
    expect(facts.evidence).toMatchObject({ code: 220, greeting: '220 (vsFTPd 3.0.3)', quitReply: 221 });
    expect(facts.timings).toHaveProperty('connect');
    expect(facts.timings).toHaveProperty('greeting');
    await peer.closed(0);
    // The whole client side of the conversation: no USER, no PASS.
    expect(peer.received[0]?.toString()).toBe('QUIT\r\n');
  });

  it('reads a multi-line greeting to its closing "220 " line, even when it arrives in pieces', async () => {
    const peer = await ftpServer(['220-Welcome to the', ' PSM FTP server\r\n 220 is not the end\r\n22', '0 Ready\r\n']);
    const facts = await probe(peer.port);
    expect(facts.reason).toBe('ftp-ok');
    expect(facts.evidence?.greeting).toBe('220-Welcome to the PSM FTP server | 220 is not the end | 220 Ready');
  });

  it('waits past a 120 for the 220', async () => {
    const peer = await scriptedTcpPeer((socket) => {
      socket.write('120 Service ready in 1 minute\r\n');
      setTimeout(() => socket.write('220 Ready now\r\n'), 30);
      void waitFor(socket, 'QUIT\r\n').then(() => socket.end('221 Bye\r\n'));
    });
    peers.push(peer);
    const facts = await probe(peer.port);
    expect(facts.reason).toBe('ftp-ok');
    expect(facts.evidence).toMatchObject({ preliminary: '120 Service ready in 1 minute', code: 220 });
  });

  it('reports ftp-delayed when a 120 is never followed by a 220', async () => {
    const peer = await ftpServer('120 Service ready in 5 minutes\r\n');
    const facts = await probe(peer.port, {}, 300);
    expect(facts.reason).toBe('ftp-delayed');
    expect(ftp.reasons['ftp-delayed']?.retryable).toBe(true);
  });

  it('reports 421 as ftp-unavailable and sends nothing', async () => {
    const peer = await ftpServer('421 Too many connections (8) from this IP\r\n');
    const facts = await probe(peer.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'ftp-unavailable' });
    expect(facts.message).toContain('Too many connections');
    expect(peer.received[0]?.length).toBe(0);
  });

  it("reports vsftpd's 500 OOPS as ftp-misconfigured, with its text", async () => {
    const peer = await scriptedTcpPeer((socket) =>
      socket.end('500 OOPS: vsftpd: both local and anonymous access disabled!\r\n'),
    );
    peers.push(peer);
    const facts = await probe(peer.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'ftp-misconfigured' });
    expect(facts.message).toContain('both local and anonymous access disabled');
  });

  it('reports another greeting code as ftp-unexpected-reply', async () => {
    const peer = await ftpServer('530 Connection refused by tcp_wrappers\r\n');
    const facts = await probe(peer.port);
    expect(facts.reason).toBe('ftp-unexpected-reply');
    expect(facts.evidence?.code).toBe(530);
  });

  it('reports a greeting of another protocol as unexpected-protocol', async () => {
    const peer = await scriptedTcpPeer((socket) => socket.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    peers.push(peer);
    const facts = await probe(peer.port);
    expect(facts.reason).toBe('unexpected-protocol');
    expect(facts.evidence?.firstLine).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2');
  });

  it('closes at once without QUIT when quit is false', async () => {
    const peer = await ftpServer('220 Ready\r\n');
    const facts = await probe(peer.port, { quit: false });
    expect(facts.reason).toBe('ftp-ok');
    expect(facts.evidence).not.toHaveProperty('quitReply');
    await peer.closed(0);
    expect(peer.received[0]?.length).toBe(0);
  });

  it('keeps ftp-ok with quitReply null when QUIT goes unanswered', async () => {
    const peer = await scriptedTcpPeer((socket) => socket.write('220 Ready\r\n'));
    peers.push(peer);
    const facts = await probe(peer.port, {}, 400);
    expect(facts.reason).toBe('ftp-ok');
    expect(facts.evidence?.quitReply).toBeNull();
  });

  it('tells silence, an immediate close and a reset apart', async () => {
    const silent = await silentTcpPeer();
    const closing = await scriptedTcpPeer((socket) => socket.end());
    const resetting = await resettingTcpPeer();
    peers.push(silent, closing, resetting);
    expect((await probe(silent.port, {}, 300)).reason).toBe('no-banner');
    expect((await probe(closing.port)).reason).toBe('closed-before-banner');
    expect((await probe(resetting.port)).reason).toBe('reset-after-connect');
  });
});

describe('ftp probe against broken greetings (a broken peer never passes)', () => {
  it('an unfinished multi-line greeting (220- lines, never the 220 line) is incomplete, not ftp-ok', async () => {
    const peer = await scriptedTcpPeer((socket) => {
      for (let line = 0; line < 20; line += 1) socket.write(`220-Welcome, line ${line}\r\n`);
      const timer = setInterval(() => socket.write('220-still welcoming\r\n'), 50);
      socket.on('close', () => clearInterval(timer));
    });
    peers.push(peer);
    const facts = await probe(peer.port, {}, 500);
    expect(facts).toMatchObject({ state: 'open', reason: 'incomplete-banner' });
    expect(facts.evidence?.greeting).toContain('220-Welcome, line 0');
  });

  it('a multi-line greeting cut off by a close is closed after N bytes, not ftp-ok', async () => {
    const peer = await scriptedTcpPeer((socket) => socket.end('220-Welcome\r\n220-to the server\r\n'));
    peers.push(peer);
    const facts = await probe(peer.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'closed-mid-banner' });
    expect(facts.message).toContain('after 32 bytes');
  });

  it('a 220 line cut off before its line end is not a greeting either', async () => {
    const peer = await scriptedTcpPeer((socket) => socket.end('220 Rea'));
    peers.push(peer);
    expect((await probe(peer.port)).reason).toBe('closed-mid-banner');
  });

  it.each([['2'], ['X']])('a peer that sends one byte (%s) and closes: closed after 1 byte', async (byte) => {
    const peer = await scriptedTcpPeer((socket) => socket.end(byte));
    peers.push(peer);
    const facts = await probe(peer.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'closed-mid-banner' });
    expect(facts.message).toContain('after 1 byte,');
  });
});
