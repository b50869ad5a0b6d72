import { afterEach, describe, expect, it } from 'vitest';
import { deadlineSignal } from '../../src/core/abort.js';
import { PhaseClock } from '../../src/core/clock.js';
import { BannerExchange, type Step, type StepResult } from '../../probes/kit/banner-exchange.js';
import { openTcp, type TcpConversation } from '../../probes/kit/tcp-probe.js';
import { plainTextChannel } from '../../probes/kit/text-channel.js';
import type { Peer } from '../support/hostile-peers.js';
import { scriptedTcpPeer, waitFor } from '../support/scripted-peer.js';
import type net from 'node:net';

const peers: Peer[] = [];
const conversations: TcpConversation[] = [];
afterEach(async () => {
  for (const conn of conversations.splice(0)) conn.close();
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

/** Run `steps` against a loopback peer scripted by `script`; resolves with the last step's result. */
async function exchange(script: (socket: net.Socket) => void, steps: readonly Step[], timeoutMs = 1000): Promise<StepResult> {
  const peer = await scriptedTcpPeer(script);
  peers.push(peer);
  const deadline = deadlineSignal(timeoutMs);
  const clock = new PhaseClock();
  const opened = await openTcp('127.0.0.1', peer.port, { signal: deadline.signal, maxBytes: 4096 }, clock);
  if (!opened.ok) throw new Error(`no connection: ${opened.reason}`);
  conversations.push(opened.conn);
  try {
    return await new BannerExchange(plainTextChannel(opened.conn), clock, deadline.signal).run(steps);
  } finally {
    deadline.cancel();
  }
}

describe('banner exchange (expect / send, as blackbox_exporter query_response)', () => {
  it('expects, sends, expects: text past a match goes to the next step', async () => {
    const result = await exchange(
      (socket) => {
        socket.write('HELLO one\r\nextra ');
        void waitFor(socket, 'PING\r\n').then(() => socket.write('PONG\r\n'));
      },
      [{ expect: /^HELLO [^\n]*\n/ }, { send: 'PING\r\n' }, { expect: /PONG\r\n/ }],
    );
    expect(result).toMatchObject({ end: 'matched', text: 'extra PONG\r\n' });
  });

  it('sets skipped matches aside, at most maxSkips times', async () => {
    const steps: Step[] = [{ expect: /^\d{3} [^\n]*\n/, skip: /^120/, maxSkips: 2 }];
    const twice = await exchange((socket) => socket.write('120 wait\r\n120 wait\r\n220 ready\r\n'), steps);
    expect(twice).toMatchObject({ end: 'matched', text: '220 ready\r\n', skipped: ['120 wait\r\n', '120 wait\r\n'] });
    const thrice = await exchange((socket) => socket.write('120 a\r\n120 b\r\n120 c\r\n'), steps);
    expect(thrice).toMatchObject({ end: 'matched', text: '120 c\r\n' });
  });

  it('tells a peer that speaks something else (reject) from one that stops part-way', async () => {
    const step: Step = { expect: /^OK\r\n/, reject: /^(?!OK)[^\n]*\n/ };
    expect(await exchange((socket) => socket.write('SSH-2.0-x\r\n'), [step])).toMatchObject({ end: 'mismatch' });
    expect(await exchange((socket) => socket.end('O'), [step])).toMatchObject({ end: 'eof', bytes: 1, text: 'O' });
    expect(await exchange((socket) => socket.write('O'), [step], 300)).toMatchObject({ end: 'timeout', bytes: 1 });
    expect(await exchange(() => undefined, [step], 300)).toMatchObject({ end: 'timeout', bytes: 0 });
  });

  it('ends a step on a quiet spell when the step allows it', async () => {
    const result = await exchange((socket) => socket.write('banner without a prompt\r\n'), [{ expect: /[>#]$/, quietMs: 100 }], 5000);
    expect(result).toMatchObject({ end: 'quiet', text: 'banner without a prompt\r\n' });
  });

  it('stops at the byte budget', async () => {
    const result = await exchange((socket) => socket.write(Buffer.alloc(10_000, 0x41)), [{ expect: /\n/ }]);
    expect(result.end).toBe('limit');
  });
});
