import { afterEach, describe, expect, it } from 'vitest';
import { greetingMatcher, parseGreeting } from '../../probes/protocols/mysql/packet.js';
import mysql from '../../probes/mysql.js';
import { resettingTcpPeer, silentTcpPeer, type Peer } from '../support/hostile-peers.js';
import { runProbe, tcpTarget } from '../support/probe-context.js';
import { scriptedTcpPeer, type ScriptedPeer } from '../support/scripted-peer.js';

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

function packet(payload: Buffer, sequence = 0): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequence;
  return Buffer.concat([header, payload]);
}

/**
 * A HandshakeV10 as MariaDB 10.11 sends it (layout from dev.mysql.com, Connection Phase), written
 * by hand on purpose: apart from the lab's encoder (probes/protocols/mysql/server.ts), so the
 * probe's parser is not tested only against the codec it shares.
 */
function handshakeV10(version: string, connectionId: number, capabilities: number, plugin = 'mysql_native_password'): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32LE(connectionId);
  const caps = (value: number): Buffer => {
    const out = Buffer.alloc(2);
    out.writeUInt16LE(value);
    return out;
  };
  return packet(
    Buffer.concat([
      Buffer.from([0x0a]),
      Buffer.from(`${version}\0`, 'latin1'),
      id,
      Buffer.from('abcdefgh'),
      Buffer.from([0]),
      caps(capabilities & 0xffff),
      Buffer.from([0x2d, 0x02, 0x00]),
      caps(capabilities >>> 16),
      Buffer.from([21]),
      Buffer.alloc(10),
      Buffer.from('ijklmnopqrst\0'),
      Buffer.from(`${plugin}\0`),
    ]),
  );
}

function errPacket(code: number, message: string): Buffer {
  const head = Buffer.from([0xff, 0, 0]);
  head.writeUInt16LE(code, 1);
  return packet(Buffer.concat([head, Buffer.from(message)]));
}

/** A server that sends `greeting` (optionally split) and keeps what the client sends. */
async function server(greeting: Buffer, split = greeting.length): Promise<ScriptedPeer> {
  const peer = await scriptedTcpPeer((socket) => {
    socket.write(greeting.subarray(0, split));
    if (split < greeting.length) setTimeout(() => socket.write(greeting.subarray(split)), 20);
  });
  peers.push(peer);
  return peer;
}

const run = (port: number, options: { quit?: boolean } = {}, timeoutMs = 2000) =>
  runProbe(mysql, tcpTarget(port), { options, timeoutMs });

// Capabilities of a default MariaDB 10.11 without TLS (CLIENT_SSL, 0x800, is clear).
const MARIADB_CAPS = 0xc1fff7fe;

describe('mysql probe', () => {
  it('reads a MariaDB greeting: version without "5.5.5-", connection id, capabilities; then COM_QUIT and FIN', async () => {
    const peer = await server(handshakeV10('5.5.5-10.11.6-MariaDB-0+deb12u1', 42, MARIADB_CAPS), 10);
    const facts = await run(peer.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'mysql-ok' });
    expect(facts.evidence).toMatchObject({
      protocol: 10,
      serverVersion: '10.11.6-MariaDB-0+deb12u1',
      mariadb: true,
      connectionId: 42,
      capabilities: '0xc1fff7fe',
      tls: false,
      authPlugin: 'mysql_native_password',
    });
    await peer.closed(0);
    expect(peer.received[0]?.toString('hex')).toBe('0100000101');
  });

  it('keeps a MySQL version as it is and reports TLS support', async () => {
    const peer = await server(handshakeV10('8.0.36', 7, MARIADB_CAPS | 0x0800, 'caching_sha2_password'));
    const facts = await run(peer.port);
    expect(facts.evidence).toMatchObject({ serverVersion: '8.0.36', mariadb: false, tls: true, authPlugin: 'caching_sha2_password' });
  });

  it('closes with FIN alone when quit is false', async () => {
    const peer = await server(handshakeV10('8.0.36', 7, MARIADB_CAPS));
    await run(peer.port, { quit: false });
    await peer.closed(0);
    expect(peer.received[0]?.length).toBe(0);
  });

  it.each([
    [1130, "Host '198.51.100.3' is not allowed to connect to this MariaDB server", 'host-not-allowed'],
    [1129, "Host '198.51.100.3' is blocked because of many connection errors", 'host-blocked'],
    [1040, 'Too many connections', 'too-many-connections'],
    [1045, 'Access denied', 'mysql-error'],
  ])('maps ERR %i to %s… and sends nothing', async (code, message, reason) => {
    const peer = await server(errPacket(code, message));
    const facts = await run(peer.port);
    expect(facts).toMatchObject({ state: 'open', reason, evidence: { errorCode: code, errorMessage: message } });
    await peer.closed(0);
    expect(peer.received[0]?.length).toBe(0);
  });

  it('reports another protocol as unexpected-protocol without waiting for the length it seems to claim', async () => {
    const peer = await scriptedTcpPeer((socket) => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    peers.push(peer);
    const facts = await run(peer.port, {}, 30_000);
    expect(facts.reason).toBe('unexpected-protocol');
    expect(facts.evidence?.firstText).toBe('HTTP/1.1 400 Bad Request');
  });

  it('reports a greeting cut off by a close as closed after N bytes', async () => {
    const peer = await scriptedTcpPeer((socket) => socket.end(handshakeV10('8.0.36', 1, MARIADB_CAPS).subarray(0, 20)));
    peers.push(peer);
    const facts = await run(peer.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'closed-mid-banner' });
    expect(facts.message).toContain('after 20 bytes');
  });

  it('tells silence, an immediate close and a reset apart', async () => {
    const silent = await silentTcpPeer();
    const closing = await scriptedTcpPeer((socket) => socket.end());
    const resetting = await resettingTcpPeer();
    peers.push(silent, closing, resetting);
    expect((await run(silent.port, {}, 300)).reason).toBe('no-banner');
    expect((await run(closing.port)).reason).toBe('closed-before-banner');
    expect((await run(resetting.port)).reason).toBe('reset-after-connect');
  });
});

describe('mysql probe against broken greetings (a broken peer never passes)', () => {
  it('a header that claims 16 MB before a well-formed greeting is a protocol error', async () => {
    const greeting = handshakeV10('8.0.36', 1, MARIADB_CAPS);
    const lying = Buffer.from(greeting);
    lying.writeUIntLE(0xffffff, 0, 3);
    const peer = await server(lying);
    const facts = await run(peer.port, {}, 30_000);
    expect(facts).toMatchObject({ state: 'open', reason: 'unexpected-protocol' });
    expect(facts.message).toContain('16777215 bytes');
  });

  it('a header shorter than the bytes that arrive is a protocol error', async () => {
    const greeting = handshakeV10('8.0.36', 1, MARIADB_CAPS);
    const short = Buffer.from(greeting);
    short.writeUIntLE(greeting.length - 4 - 20, 0, 3);
    const peer = await server(short);
    const facts = await run(peer.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'unexpected-protocol' });
    expect(facts.message).toContain('20 bytes after the packet');
  });

  it('a header longer than the bytes that arrive, then silence: incomplete', async () => {
    const greeting = handshakeV10('8.0.36', 1, MARIADB_CAPS);
    const long = Buffer.from(greeting);
    long.writeUIntLE(greeting.length - 4 + 50, 0, 3);
    const peer = await server(long);
    const facts = await run(peer.port, {}, 400);
    expect(facts).toMatchObject({ state: 'open', reason: 'incomplete-banner' });
  });

  it('rejects a length mismatch in the parser itself', () => {
    const greeting = handshakeV10('8.0.36', 1, MARIADB_CAPS);
    expect(parseGreeting(Buffer.concat([greeting, Buffer.from([1, 2, 3])]))).toMatchObject({ kind: 'malformed' });
    expect(parseGreeting(greeting.subarray(0, greeting.length - 1))).toMatchObject({ kind: 'malformed' });
  });
});

describe('mysql greeting parser', () => {
  it('waits for a whole packet and hands over an implausible header at once', () => {
    const greeting = handshakeV10('8.0.36', 1, MARIADB_CAPS);
    expect(greetingMatcher(greeting.subarray(0, 30))).toBe(-1);
    expect(greetingMatcher(greeting)).toBe(greeting.length);
    expect(greetingMatcher(Buffer.from('SSH-2.0-x\r\n'))).toBe(11);
  });

  it('survives a truncated handshake payload', () => {
    const truncated = packet(Buffer.from([0x0a, 0x38, 0x2e, 0x30, 0x00, 0x01]));
    expect(parseGreeting(truncated)).toMatchObject({ kind: 'malformed' });
    const noPlugin = packet(Buffer.concat([Buffer.from([0x0a]), Buffer.from('5.0.0\0'), Buffer.alloc(4), Buffer.alloc(9), Buffer.from([0, 0])]));
    expect(parseGreeting(noPlugin)).toMatchObject({ kind: 'handshake', serverVersion: '5.0.0', capabilities: 0 });
  });

  it('reads a pre-4.1 protocol 9 greeting', () => {
    const v9 = packet(Buffer.concat([Buffer.from([0x09]), Buffer.from('3.23.58\0'), Buffer.from([5, 0, 0, 0]), Buffer.from('scramble\0')]));
    expect(parseGreeting(v9)).toMatchObject({ kind: 'handshake', protocol: 9, serverVersion: '3.23.58', connectionId: 5 });
  });
});
