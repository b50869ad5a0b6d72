import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITY, greetingMatcher, parseGreeting } from '../../probes/protocols/mysql/packet.js';
import { encodeErr, encodeHandshakeV10, encodePacket, type HandshakeV10, takePacket } from '../../probes/protocols/mysql/server.js';
import { startMysqlPeer } from '../../src/lab/mysql-peer.js';
import type { PeerHandle } from '../../src/lab/types.js';
import { binary, missing, titleWith } from '../support/skip.js';

/**
 * The MySQL connection-phase codec shared by the probe (reading the greeting) and the lab's
 * server (writing it): our own round trips, then the MariaDB command-line client, an independent
 * implementation, reading what the lab's server writes with it.
 */

const handshake = (overrides: Partial<HandshakeV10> = {}): HandshakeV10 => ({
  serverVersion: '8.0.36-lab',
  connectionId: 0x01020304,
  capabilities: CAPABILITY.protocol41 | CAPABILITY.secureConnection | CAPABILITY.pluginAuth | CAPABILITY.connectAttrs,
  characterSet: 255,
  statusFlags: 0x0002,
  authData: Buffer.from('abcdefghijklmnopqrst'),
  authPlugin: 'caching_sha2_password',
  ...overrides,
});

describe('mysql codec round trips', () => {
  it('a HandshakeV10 we write is matched whole and parses back to its fields', () => {
    const packet = encodePacket(0, encodeHandshakeV10(handshake()));
    expect(greetingMatcher(packet)).toBe(packet.length);
    expect(greetingMatcher(packet.subarray(0, packet.length - 1))).toBe(-1);
    expect(parseGreeting(packet)).toEqual({
      kind: 'handshake',
      protocol: 10,
      serverVersion: '8.0.36-lab',
      mariadb: false,
      connectionId: 0x01020304,
      capabilities: handshake().capabilities,
      authPlugin: 'caching_sha2_password',
    });
  });

  it('a MariaDB-style version and TLS capability read back as such', () => {
    const written = handshake({ serverVersion: '5.5.5-10.11.6-MariaDB-0+deb12u1', capabilities: 0xc1fff7fe | CAPABILITY.ssl });
    const greeting = parseGreeting(encodePacket(0, encodeHandshakeV10(written)));
    expect(greeting).toMatchObject({ kind: 'handshake', serverVersion: '10.11.6-MariaDB-0+deb12u1', mariadb: true });
    expect(greeting.kind === 'handshake' && (greeting.capabilities & CAPABILITY.ssl) !== 0).toBe(true);
  });

  it('an ERR packet in place of the greeting reads back, with or without a SQL state', () => {
    expect(parseGreeting(encodePacket(0, encodeErr(1130, "Host '10.0.0.9' is not allowed to connect")))).toEqual({
      kind: 'error',
      code: 1130,
      message: "Host '10.0.0.9' is not allowed to connect",
    });
    expect(parseGreeting(encodePacket(0, encodeErr(1040, 'Too many connections', '08004')))).toEqual({
      kind: 'error',
      code: 1040,
      message: 'Too many connections',
    });
  });

  it('client packets are taken one at a time, an incomplete one left for later', () => {
    const stream = Buffer.concat([encodePacket(1, Buffer.from([0x01])), encodePacket(0, Buffer.from('abc')).subarray(0, 5)]);
    const first = takePacket(stream);
    expect(first).toMatchObject({ sequence: 1, payload: Buffer.from([0x01]) });
    expect(takePacket(first?.rest ?? Buffer.alloc(0))).toBeUndefined();
  });
});

const why = missing(binary('/usr/bin/mariadb'));

describe.skipIf(why)(titleWith("mysql codec read by MariaDB's client", why), () => {
  const peers: PeerHandle[] = [];
  let accepting: PeerHandle;
  let refusing: PeerHandle;
  beforeAll(async () => {
    accepting = await startMysqlPeer({ address: '127.0.0.1', port: 0 });
    refusing = await startMysqlPeer({ address: '127.0.0.1', port: 0, errCode: 1130 });
    peers.push(accepting, refusing);
  });
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close()));
  });

  /** What the client prints on stderr; it exits 1 for every refusal here. */
  const client = async (port: number): Promise<string> => {
    const args = ['--no-defaults', '--protocol=TCP', '--host=127.0.0.1', `--port=${port}`, '--user=nobody', '--password=wrong', '--connect-timeout=5', '-e', 'SELECT 1'];
    try {
      await promisify(execFile)('/usr/bin/mariadb', args, { timeout: 15_000 });
      return '';
    } catch (error) {
      return String((error as { stderr?: string }).stderr ?? error);
    }
  };

  it('reads our HandshakeV10, answers it, and reads our ERR 1045 with its SQL state', async () => {
    expect(await client(accepting.port)).toMatch(/ERROR 1045 \(28000\): Access denied for user/);
  });

  it('reads our ERR 1130 sent in place of the greeting', async () => {
    // Newer clients add that an ERR before TLS cannot be authenticated; the code and text are ours.
    expect(await client(refusing.port)).toMatch(/\b1130\b.*Host '127\.0\.0\.1' is not allowed to connect to this MySQL server/);
  });
});
