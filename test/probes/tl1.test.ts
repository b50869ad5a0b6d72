import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findTl1Acknowledgment, findTl1Response } from '../../probes/protocols/tl1/response.js';
import tl1 from '../../probes/tl1.js';
import { silentTcpPeer, type Peer } from '../support/hostile-peers.js';
import { runProbe, tcpTarget } from '../support/probe-context.js';
import { scriptedTcpPeer, waitFor, type ScriptedPeer } from '../support/scripted-peer.js';

const IAC = 255;
const [DONT, WILL] = [254, 251];
const [ECHO, SGA] = [1, 3];

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

const COMPLD = (ctag: string): string => `\r\n\n   BTI7000-NE1 24-05-01 12:00:00\r\nM  ${ctag} COMPLD\r\n;\r\n<`;
const DENY = (ctag: string): string =>
  `\r\n\n   "NE-2" 24-05-01 12:00:01\r\nM  ${ctag} DENY\r\n   PLNA\r\n   /* Login Not Active */\r\n;\r\n<`;

/** A TL1 agent behind telnet: negotiates, prompts with "<", answers RTRV-HDR with `answer(ctag)`. */
async function agent(answer: (ctag: string, socket: net.Socket) => void, greet = true): Promise<ScriptedPeer> {
  const peer = await scriptedTcpPeer((socket) => {
    if (greet) socket.write(Buffer.concat([Buffer.from([IAC, WILL, ECHO, IAC, WILL, SGA]), Buffer.from('\r\n<')]));
    void waitFor(socket, ';').then((text) => {
      const ctag = /RTRV-HDR:[^:]*::([A-Za-z0-9]+);/.exec(text)?.[1] ?? '?';
      answer(ctag, socket);
    });
  });
  peers.push(peer);
  return peer;
}

const run = (port: number, options: Record<string, unknown> = {}, timeoutMs = 2000) =>
  runProbe(tl1, tcpTarget(port), { timeoutMs, options: { greetingQuietMs: 100, ...options } });

describe('tl1 probe', () => {
  it('refuses telnet options, sends RTRV-HDR and takes COMPLD as a live agent', async () => {
    const peer = await agent((ctag, socket) => socket.write(COMPLD(ctag)));
    const facts = await run(peer.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'tl1-ok' });
    expect(facts.evidence).toMatchObject({
      responseCode: 'COMPLD',
      sid: 'BTI7000-NE1',
      date: '24-05-01',
      time: '12:00:00',
      options: ['WILL ECHO', 'WILL SGA'],
      greeting: '<',
    });
    expect(facts.timings).toHaveProperty('response');
    await peer.closed(0);
    const sent = peer.received[0] ?? Buffer.alloc(0);
    expect([...sent.subarray(0, 6)]).toEqual([IAC, DONT, ECHO, IAC, DONT, SGA]);
    expect(sent.subarray(6).toString()).toBe('RTRV-HDR:::1;\r\n');
    expect(sent.toString()).not.toContain('ACT-USER');
  });

  it('takes DENY PLNA as a live agent too, with the error code', async () => {
    const peer = await agent((ctag, socket) => socket.write(DENY(ctag)));
    const facts = await run(peer.port, { ctag: 'NC42', tid: 'NE-2' });
    expect(facts.reason).toBe('tl1-denied-ok');
    expect(facts.evidence).toMatchObject({ responseCode: 'DENY', errorCode: 'PLNA', sid: 'NE-2' });
    expect(peer.received[0]?.toString()).toContain('RTRV-HDR:NE-2::NC42;');
  });

  it('sends at once to a silent raw TL1 port after the greeting wait, and waits past an "IP" acknowledgment', async () => {
    const peer = await agent((ctag, socket) => {
      socket.write(`IP ${ctag}\r\n<`);
      setTimeout(() => socket.write(COMPLD(ctag)), 30);
    }, false);
    const facts = await run(peer.port);
    expect(facts.reason).toBe('tl1-ok');
    expect(facts.evidence?.responseCode).toBe('COMPLD');
    expect(facts.evidence).not.toHaveProperty('greeting');
  });

  it('ignores a response to another ctag and autonomous messages', async () => {
    const peer = await agent((ctag, socket) => {
      socket.write('\r\n\n   NE1 24-05-01 11:59:59\r\nA  17 REPT ALM EQPT\r\n;\r\n');
      socket.write(COMPLD('999'));
      setTimeout(() => socket.write(COMPLD(ctag)), 30);
    });
    const facts = await run(peer.port);
    expect(facts.reason).toBe('tl1-ok');
    expect(facts.evidence?.reply).toContain('M 999 COMPLD');
  });

  it('reports no TL1 answer by the deadline as tl1-no-response, with what did come', async () => {
    const peer = await agent((_ctag, socket) => socket.write('Unknown command\r\n$ '));
    const facts = await run(peer.port, {}, 500);
    expect(facts).toMatchObject({ state: 'open', reason: 'tl1-no-response', evidence: { reply: 'Unknown command | $' } });
    expect(tl1.reasons['tl1-no-response']?.retryable).toBe(true);
  });

  it('reports a close without a TL1 answer as tl1-closed', async () => {
    const peer = await agent((_ctag, socket) => socket.end('Maximum sessions reached\r\n'));
    const facts = await run(peer.port);
    expect(facts.reason).toBe('tl1-closed');
  });

  it('only listens when sendRtrvHdr is false', async () => {
    const peer = await agent((ctag, socket) => socket.write(COMPLD(ctag)));
    const facts = await run(peer.port, { sendRtrvHdr: false });
    expect(facts.reason).toBe('tl1-not-queried');
    await peer.closed(0);
    expect(peer.received[0]?.toString()).not.toContain('RTRV');
  });

  it('reports an SSH server on the port as unexpected-protocol', async () => {
    const peer = await scriptedTcpPeer((socket) => socket.write('SSH-2.0-OpenSSH_9.2p1\r\n'));
    peers.push(peer);
    expect((await run(peer.port)).reason).toBe('unexpected-protocol');
  });

  it('reports a silent port as tl1-no-response and an immediate close as closed-before-banner', async () => {
    const silent = await silentTcpPeer();
    const closing = await scriptedTcpPeer((socket) => socket.end());
    peers.push(silent, closing);
    expect((await run(silent.port, {}, 400)).reason).toBe('tl1-no-response');
    expect((await run(closing.port)).reason).toBe('closed-before-banner');
  });

  it('rejects a ctag or tid that would change the command', () => {
    expect(() => tl1.optionsSchema.parse({ ctag: '1;ACT-USER' })).toThrow();
    expect(() => tl1.optionsSchema.parse({ tid: 'a:b' })).toThrow();
  });
});

describe('tl1 response parser', () => {
  it('finds the response line, the header and a DENY code, and knows when it is complete', () => {
    expect(findTl1Response('\r\n\n   NE1 24-05-01 12:00:00\r\nM  1 COMPLD\r\n', '1')).toMatchObject({
      code: 'COMPLD',
      sid: 'NE1',
      complete: false,
    });
    expect(findTl1Response(DENY('7'), '7')).toMatchObject({ code: 'DENY', errorCode: 'PLNA', complete: true });
    expect(findTl1Response(COMPLD('17'), '1')).toBeUndefined();
  });

  it('finds an acknowledgment for the ctag only', () => {
    expect(findTl1Acknowledgment('IP 1\r\n<', '1')).toBe('IP');
    expect(findTl1Acknowledgment('NG 12\r\n<', '1')).toBeUndefined();
  });
});
