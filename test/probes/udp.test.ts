import { afterEach, describe, expect, it } from 'vitest';
import { deadlineSignal } from '../../src/core/abort.js';
import { PhaseClock } from '../../src/core/clock.js';
import { UdpExchange } from '../../probes/kit/udp-exchange.js';
import udpProbe from '../../probes/udp.js';
import { closedUdpPort } from '../support/hostile-peers.js';
import { runProbe, udpTarget } from '../support/probe-context.js';
import { scriptedUdpPeer, type UdpPeer } from '../support/udp-peer.js';

describe('udp probe', () => {
  const peers: UdpPeer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
  });
  const peer = async (handler: Parameters<typeof scriptedUdpPeer>[0], address?: string): Promise<UdpPeer> => {
    const started = await scriptedUdpPeer(handler, address);
    peers.push(started);
    return started;
  };

  it('closed: ICMP port unreachable', async () => {
    const facts = await runProbe(udpProbe, udpTarget(await closedUdpPort()));
    expect(facts).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
  });

  it('silence (syslog never answers): open|filtered, and the message says why it cannot be proven', async () => {
    const syslog = await peer(() => undefined);
    const facts = await runProbe(udpProbe, udpTarget(syslog.port), { timeoutMs: 300 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
    expect(facts.message).toContain('one-way UDP cannot be proven open');
    // The default payload is an empty datagram.
    expect(syslog.received).toEqual([Buffer.alloc(0)]);
  });

  it('any reply proves the port open; the payload option is sent as hex', async () => {
    const echo = await peer((message, { reply }) => reply(message));
    const facts = await runProbe(udpProbe, udpTarget(echo.port), { options: { payload: '3c31333e74657374' } });
    expect(facts).toMatchObject({ state: 'open', reason: 'udp-reply', evidence: { replyBytes: 8 }, bytesRead: 8 });
    expect(echo.received[0]?.toString()).toBe('<13>test');
  });

  it('a reply from another source port is not a reply', async () => {
    const elsewhere = await peer((message, { replyFromOtherPort }) => replyFromOtherPort(Buffer.from('hi')));
    const facts = await runProbe(udpProbe, udpTarget(elsewhere.port), { timeoutMs: 300 });
    expect(facts).toMatchObject({ state: 'open|filtered', reason: 'no-reply' });
  });

  it('works over IPv6 loopback, open and closed', async () => {
    const echo = await peer((message, { reply }) => reply(Buffer.from('x')), '::1');
    expect(await runProbe(udpProbe, udpTarget(echo.port, '::1'))).toMatchObject({ state: 'open', reason: 'udp-reply' });
    await echo.close();
    peers.splice(peers.indexOf(echo), 1);
    expect(await runProbe(udpProbe, udpTarget(echo.port, '::1'))).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
  });

  it('an unresolvable name is unresolved, nothing sent', async () => {
    const facts = await runProbe(udpProbe, udpTarget(9, 'no-such-host.invalid'));
    expect(facts.state).toBe('unresolved');
  });

  it('rejects a payload that is not hex', () => {
    expect(() => udpProbe.optionsSchema.parse({ payload: 'xyz' })).toThrow();
  });
});

describe('UdpExchange', () => {
  const peers: UdpPeer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
  });

  it('counts every byte against the budget, over many small datagrams', async () => {
    const chatty = await scriptedUdpPeer((_message, { reply }) => {
      for (let i = 0; i < 20; i += 1) reply(Buffer.alloc(100, i));
    });
    peers.push(chatty);
    const deadline = deadlineSignal(2000);
    const opened = await UdpExchange.open('127.0.0.1', chatty.port, { signal: deadline.signal, maxBytes: 1000 }, new PhaseClock());
    if (!opened.ok) throw new Error('no socket');
    await opened.exchange.send(Buffer.from('go'));
    const received = await opened.exchange.receive(() => undefined);
    expect(received.end).toBe('limit');
    expect(opened.exchange.bytesRead).toBeLessThanOrEqual(1000);
    expect(opened.exchange.ignored).toBe(10);
    opened.exchange.close();
    deadline.cancel();
  });

  it('ends a wait when closed locally', async () => {
    const silent = await scriptedUdpPeer(() => undefined);
    peers.push(silent);
    const deadline = deadlineSignal(5000);
    const opened = await UdpExchange.open('127.0.0.1', silent.port, { signal: deadline.signal, maxBytes: 1000 }, new PhaseClock());
    if (!opened.ok) throw new Error('no socket');
    const waiting = opened.exchange.receive(() => true);
    opened.exchange.close();
    expect((await waiting).end).toBe('aborted');
    deadline.cancel();
  });

  it('a local wait ends before the deadline, and the exchange can go on', async () => {
    const late = await scriptedUdpPeer((_message, { reply }) => setTimeout(() => reply(Buffer.from('late')), 150));
    peers.push(late);
    const deadline = deadlineSignal(5000);
    const opened = await UdpExchange.open('127.0.0.1', late.port, { signal: deadline.signal, maxBytes: 1000 }, new PhaseClock());
    if (!opened.ok) throw new Error('no socket');
    await opened.exchange.send(Buffer.from('go'));
    expect((await opened.exchange.receive((d) => d, 10)).end).toBe('wait-over');
    expect((await opened.exchange.receive((d) => d.toString())).end).toBe('reply');
    opened.exchange.close();
    deadline.cancel();
  });
});
