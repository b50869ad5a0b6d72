import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTelnet, refusalFor, telnetChunkMatcher } from '../../probes/protocols/telnet/negotiation.js';
import telnet from '../../probes/telnet.js';
import { resettingTcpPeer, silentTcpPeer, type Peer } from '../support/hostile-peers.js';
import { runProbe, tcpTarget } from '../support/probe-context.js';
import { scriptedTcpPeer, type ScriptedPeer } from '../support/scripted-peer.js';

const IAC = 255;
const [DONT, DO, WONT, WILL, SB, SE] = [254, 253, 252, 251, 250, 240];
const [ECHO, SGA, TTYPE, NAWS] = [1, 3, 24, 31];

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

async function peer(script: (socket: net.Socket) => void): Promise<ScriptedPeer> {
  const started = await scriptedTcpPeer(script);
  peers.push(started);
  return started;
}

const run = (port: number, timeoutMs = 2000, quietMs = 100) =>
  runProbe(telnet, tcpTarget(port), { timeoutMs, options: { quietMs } });

describe('telnet probe', () => {
  it('refuses every option, then reads the banner up to the login prompt', async () => {
    const server = await peer((socket) => {
      socket.write(Buffer.from([IAC, DO, TTYPE, IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, NAWS]));
      // Like many NE daemons: the banner only after the client has answered.
      socket.once('data', () => socket.write('\r\nBTI7000 Series CLI\r\nlogin: '));
    });
    const facts = await run(server.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'telnet-ok' });
    expect(facts.evidence).toEqual({
      banner: 'BTI7000 Series CLI | login:',
      options: ['DO TTYPE', 'WILL ECHO', 'WILL SGA', 'DO NAWS'],
      prompt: true,
    });
    await server.closed(0);
    expect([...(server.received[0] ?? [])]).toEqual([IAC, WONT, TTYPE, IAC, DONT, ECHO, IAC, DONT, SGA, IAC, WONT, NAWS]);
  });

  it('never answers DONT or WONT (the option is already off), and skips subnegotiation', async () => {
    const server = await peer((socket) =>
      socket.write(
        Buffer.concat([
          Buffer.from([IAC, DONT, ECHO, IAC, WONT, SGA, IAC, SB, TTYPE, 1, IAC, IAC, IAC, SE]),
          Buffer.from('Username:'),
        ]),
      ),
    );
    const facts = await run(server.port);
    expect(facts.reason).toBe('telnet-ok');
    expect(facts.evidence?.banner).toBe('Username:');
    await server.closed(0);
    expect(server.received[0]?.length).toBe(0);
  });

  it('answers a command split across TCP segments once, when it is complete', async () => {
    const server = await peer((socket) => {
      socket.write(Buffer.from([IAC]));
      setTimeout(() => socket.write(Buffer.from([DO])), 20);
      setTimeout(() => socket.write(Buffer.concat([Buffer.from([ECHO]), Buffer.from('BTI800>')])), 40);
    });
    const facts = await run(server.port);
    expect(facts.evidence).toMatchObject({ banner: 'BTI800>', options: ['DO ECHO'], prompt: true });
    await server.closed(0);
    expect([...(server.received[0] ?? [])]).toEqual([IAC, WONT, ECHO]);
  });

  it('takes a banner without a prompt once the server goes quiet', async () => {
    const server = await peer((socket) => socket.write('Welcome to the lab\r\n'));
    const facts = await run(server.port);
    expect(facts.reason).toBe('telnet-ok');
    expect(facts.evidence).toMatchObject({ banner: 'Welcome to the lab', prompt: false });
  });

  it('reports negotiation without any text as telnet-negotiation-only', async () => {
    const server = await peer((socket) => socket.write(Buffer.from([IAC, DO, TTYPE])));
    const facts = await run(server.port, 300);
    expect(facts.reason).toBe('telnet-negotiation-only');
    expect(facts.evidence?.options).toEqual(['DO TTYPE']);
  });

  it('reports a server that talks and hangs up as telnet-closed, with what it said', async () => {
    const server = await peer((socket) => socket.end('Too many sessions, try again later\r\n'));
    const facts = await run(server.port);
    expect(facts.reason).toBe('telnet-closed');
    expect(facts.message).toContain('Too many sessions');
  });

  it('reports an SSH server and non-telnet bytes as unexpected-protocol', async () => {
    const ssh = await peer((socket) => socket.write('SSH-2.0-OpenSSH_9.2p1\r\n'));
    const binary = await peer((socket) => socket.write(Buffer.from([0x00, IAC, 0x13, 0x37, 0x0d, 0x0a])));
    expect((await run(ssh.port)).message).toContain('SSH');
    const facts = await run(binary.port);
    expect(facts.reason).toBe('unexpected-protocol');
    expect(facts.message).toContain('IAC followed by 0x13');
  });

  it('tells silence, an immediate close and a reset apart', async () => {
    const silent = await silentTcpPeer();
    const closing = await peer((socket) => socket.end());
    const resetting = await resettingTcpPeer();
    peers.push(silent, resetting);
    const quiet = await run(silent.port, 300);
    expect(quiet.reason).toBe('no-banner');
    expect(telnet.reasons['telnet-negotiation-only']?.retryable).toBe(true);
    expect((await run(closing.port)).reason).toBe('closed-before-banner');
    expect((await run(resetting.port)).reason).toBe('reset-after-connect');
  });
});

describe('telnet codec', () => {
  it('hands over only whole commands', () => {
    expect(telnetChunkMatcher(Buffer.from([IAC]))).toBe(-1);
    expect(telnetChunkMatcher(Buffer.from([0x41, IAC, DO]))).toBe(1);
    expect(telnetChunkMatcher(Buffer.from([IAC, DO, ECHO, 0x41]))).toBe(4);
    expect(telnetChunkMatcher(Buffer.from([IAC, SB, TTYPE, 1, IAC]))).toBe(-1);
    expect(telnetChunkMatcher(Buffer.from([IAC, SB, TTYPE, 1, IAC, SE, 0x41]))).toBe(7);
  });

  it('turns IAC IAC into a data 0xFF and strips commands', () => {
    const parsed = parseTelnet(Buffer.from([0x61, IAC, IAC, 0x62, IAC, 241, IAC, WILL, ECHO, 0x63]));
    expect([...parsed.data]).toEqual([0x61, 0xff, 0x62, 0x63]);
    expect(parsed.requests).toEqual([[WILL, ECHO]]);
    expect(parsed.violation).toBeUndefined();
  });

  it('refuses DO and WILL and stays silent on DONT and WONT', () => {
    expect([...(refusalFor(DO, NAWS) ?? [])]).toEqual([IAC, WONT, NAWS]);
    expect([...(refusalFor(WILL, ECHO) ?? [])]).toEqual([IAC, DONT, ECHO]);
    expect(refusalFor(DONT, ECHO)).toBeUndefined();
    expect(refusalFor(WONT, ECHO)).toBeUndefined();
  });
});
