import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import dnsPacket from 'dns-packet';
import { XMLValidator } from 'fast-xml-parser';
import snmp from 'net-snmp';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PORT_KEYS } from '../src/matrix/types.js';
import { startDnsServer } from '../src/lab/dns-server.js';
import { startFtpPeer } from '../src/lab/ftp-peer.js';
import { fingerprintOfBlob } from '../src/lab/host-key.js';
import { DEFAULT_NETCONF_CAPABILITIES } from '../src/lab/netconf-session.js';
import { startHttpsPeer } from '../src/lab/https-peer.js';
import { startMysqlPeer } from '../src/lab/mysql-peer.js';
import { startNocReceiver } from '../src/lab/noc-receiver.js';
import { startNtpServer } from '../src/lab/ntp-server.js';
import { planLab } from '../src/lab/plan.js';
import { startRadiusServer, type RadiusServerHandle } from '../src/lab/radius-server.js';
import { startBlackhole } from '../src/lab/silent-peer.js';
import { startUdpEchoPeer } from '../src/lab/echo-peer.js';
import { PEER_FOR_PROBE } from '../src/lab/peer-for-probe.js';
import { MATRIX } from '../src/matrix/rows.js';
import { servedRowPorts } from '../src/planner/listening-ports.js';
import { expandPorts } from '../src/matrix/index.js';
import { PROBE_KINDS } from '../probes/registry.js';
import { startSnmpAgent } from '../src/lab/snmp-agent.js';
import { startSshPeer, type SshPeerOptions } from '../src/lab/ssh-peer.js';
import { TELNET_NEGOTIATION, startTelnetPeer } from '../src/lab/telnet-tl1-peer.js';
import { startLab } from '../src/lab/topology.js';
import type { PeerHandle } from '../src/lab/types.js';

// Every peer gets its own address in 127.78/16 (whole labs take a free block of their own), so
// test files running in parallel never compete for a port. Clients are real ones (ssh2, net-snmp, raw sockets),
// never the project's probes.

const EOM = ']]>]]>';
const opened: PeerHandle[] = [];
async function started<T extends PeerHandle>(peer: Promise<T>): Promise<T> {
  const handle = await peer;
  opened.push(handle);
  return handle;
}
afterAll(async () => {
  await Promise.all(opened.map((handle) => handle.close()));
});

// ---------------------------------------------------------------------------------------------
// Small clients
// ---------------------------------------------------------------------------------------------

/** Connects and collects what the server sends until `done(received)` says so or the server closes. */
function tcpExchange(
  address: string,
  port: number,
  done: (received: Buffer) => boolean,
  write?: (socket: net.Socket, received: Buffer) => void,
): Promise<{ received: Buffer; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    let received: Buffer = Buffer.alloc(0);
    let finished = false;
    const finish = (closedByServer: boolean): void => {
      if (finished) return;
      finished = true;
      socket.destroy();
      resolve({ received, closedByServer });
    };
    socket.on('error', reject);
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      write?.(socket, received);
      if (done(received)) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

/** Sends one datagram; resolves with the reply, or undefined after `waitMs` of silence. */
function udpExchange(address: string, port: number, payload: Buffer, waitMs = 1500): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, waitMs);
    socket.on('message', (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(message);
    });
    socket.send(payload, port, address);
  });
}

/** Waits until `check()` is true (the server's own record of what it did), polling the event loop. */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

function sshConnect(
  host: string,
  port: number,
  password: string,
): Promise<{ client: ssh2.Client; hostKey: Buffer }> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let hostKey: Buffer = Buffer.alloc(0);
    client.on('ready', () => resolve({ client, hostKey }));
    client.on('error', reject);
    client.connect({
      host,
      port,
      username: 'netcheck',
      password,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => {
        hostKey = key;
        return true;
      },
    });
  });
}

function openNetconf(client: ssh2.Client): Promise<ssh2.ClientChannel> {
  return new Promise((resolve, reject) => client.subsys('netconf', (error, channel) => (error ? reject(error) : resolve(channel))));
}

function readChannelUntil(channel: ssh2.ClientChannel, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (data: Buffer): void => {
      text += data.toString('utf8');
      if (done(text)) {
        channel.off('data', onData);
        resolve(text);
      }
    };
    channel.on('data', onData);
    channel.on('close', () => resolve(text));
  });
}

const clientHello = (base11: boolean): string =>
  `<?xml version="1.0" encoding="UTF-8"?><hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities>` +
  `<capability>urn:ietf:params:netconf:base:1.0</capability>` +
  (base11 ? '<capability>urn:ietf:params:netconf:base:1.1</capability>' : '') +
  `</capabilities></hello>${EOM}`;
const CLOSE_SESSION = '<rpc message-id="101" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><close-session/></rpc>';

// ---------------------------------------------------------------------------------------------
// SSH and NETCONF
// ---------------------------------------------------------------------------------------------

describe('ssh peer', () => {
  const password = 'right-password';
  const sshPeer = (last: number, extra: Partial<SshPeerOptions> = {}) =>
    started(startSshPeer({ address: `127.78.1.${last}`, port: 0, password, netconf: { capabilities: [...DEFAULT_NETCONF_CAPABILITIES, 'http://xml.juniper.net/netconf/junos/1.0'] }, ...extra }));

  it('sends the configured identification line first', async () => {
    const peer = await sshPeer(1, { softwareVersion: 'OpenSSH_9.2p1 Debian-2+deb12u3' });
    const { received } = await tcpExchange(peer.address, peer.port, (data) => data.includes('\r\n'));
    expect(received.toString('latin1').split('\r\n')[0]).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3');
    expect(peer.identification).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3');
  });

  it('presents the host key whose fingerprint the handle reports', async () => {
    const peer = await sshPeer(2);
    const { client, hostKey } = await sshConnect(peer.address, peer.port, password);
    client.end();
    expect(fingerprintOfBlob(hostKey)).toBe(peer.fingerprint);
    expect(peer.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('runs a NETCONF session: hello, chunked close-session, ok, channel closed', async () => {
    const peer = await sshPeer(3);
    const { client } = await sshConnect(peer.address, peer.port, password);
    const channel = await openNetconf(client);
    const hello = await readChannelUntil(channel, (text) => text.includes(EOM));
    expect(hello).toContain('urn:ietf:params:netconf:base:1.0');
    expect(hello).toContain('urn:ietf:params:netconf:base:1.1');
    expect(hello).toContain('urn:ietf:params:netconf:capability:candidate:1.0');
    expect(hello).toContain('http://xml.juniper.net/netconf/junos/1.0');
    expect(hello).toMatch(/<session-id>\d+<\/session-id>/);
    expect(XMLValidator.validate(hello.slice(0, hello.indexOf(EOM)))).toBe(true);

    channel.write(clientHello(true));
    channel.write(`\n#${Buffer.byteLength(CLOSE_SESSION)}\n${CLOSE_SESSION}\n##\n`);
    const reply = await readChannelUntil(channel, (text) => text.includes('\n##\n'));
    client.end();
    expect(reply).toMatch(/^\n#\d+\n/);
    expect(reply).toContain('message-id="101"');
    expect(reply).toContain('<ok/>');
  });

  it('uses end-of-message framing when the client announces base:1.0 only', async () => {
    const peer = await sshPeer(4);
    const { client } = await sshConnect(peer.address, peer.port, password);
    const channel = await openNetconf(client);
    await readChannelUntil(channel, (text) => text.includes(EOM));
    channel.write(clientHello(false) + CLOSE_SESSION + EOM);
    const reply = await readChannelUntil(channel, (text) => text.includes(EOM));
    client.end();
    expect(reply).toContain('<ok/>');
    expect(reply.endsWith(EOM)).toBe(true);
  });

  it('rejectLogin: every password fails', async () => {
    const peer = await sshPeer(5, { rejectLogin: true });
    await expect(sshConnect(peer.address, peer.port, password)).rejects.toMatchObject({ level: 'client-authentication' });
  });

  it('wrong password fails, right password works', async () => {
    const peer = await sshPeer(6);
    await expect(sshConnect(peer.address, peer.port, 'wrong')).rejects.toMatchObject({ level: 'client-authentication' });
    const { client } = await sshConnect(peer.address, peer.port, password);
    client.end();
  });

  it('noNetconf: the subsystem is refused', async () => {
    const peer = await sshPeer(7, { noNetconf: true });
    const { client } = await sshConnect(peer.address, peer.port, password);
    await expect(openNetconf(client)).rejects.toThrow();
    client.end();
  });

  it('malformedHello: framed, but not well-formed XML', async () => {
    const peer = await sshPeer(8, { malformedHello: true });
    const { client } = await sshConnect(peer.address, peer.port, password);
    const channel = await openNetconf(client);
    const hello = await readChannelUntil(channel, (text) => text.includes(EOM));
    client.end();
    expect(XMLValidator.validate(hello.slice(0, hello.indexOf(EOM)))).not.toBe(true);
  });

  it('silentNetconf: the subsystem opens but no hello comes', async () => {
    const peer = await sshPeer(9, { silentNetconf: true });
    const { client } = await sshConnect(peer.address, peer.port, password);
    const channel = await openNetconf(client);
    let received = '';
    channel.on('data', (data: Buffer) => (received += data.toString()));
    channel.write(clientHello(true));
    // A bounded look for data that must never come (not a timing assertion on the peer).
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.end();
    expect(received).toBe('');
  });
});

// ---------------------------------------------------------------------------------------------
// SNMP
// ---------------------------------------------------------------------------------------------

describe('snmp agent and noc receiver', () => {
  const user = { name: 'netcheck', authKey: 'auth-key-123', privKey: 'priv-key-456' };
  let agent: PeerHandle;
  beforeAll(async () => {
    agent = await started(
      startSnmpAgent({ address: '127.78.2.1', port: 20161, community: 'lab-ro', v3User: user, sysName: 'ne-test', sysDescr: 'Test NE' }),
    );
  });

  const get = (session: snmp.Session, oids: string[]): Promise<snmp.Varbind[]> =>
    new Promise((resolve, reject) => session.get(oids, (error, varbinds) => (error ? reject(error) : resolve(varbinds ?? []))));
  const system = ['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.2.0', '1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.1.5.0'];

  it('answers v2c GET for the system group with the right community', async () => {
    const session = snmp.createSession(agent.address, 'lab-ro', { port: agent.port, version: snmp.Version2c, timeout: 2000, retries: 0 });
    try {
      const varbinds = await get(session, system);
      expect(varbinds.map((varbind) => String(varbind.value))).toEqual([
        'Test NE',
        '1.3.6.1.4.1.8072.3.2.10',
        expect.stringMatching(/^\d+$/),
        'ne-test',
      ]);
    } finally {
      session.close();
    }
  });

  it('drops a wrong community silently (the client times out)', async () => {
    const session = snmp.createSession(agent.address, 'wrong', { port: agent.port, version: snmp.Version2c, timeout: 500, retries: 0 });
    try {
      await expect(get(session, system)).rejects.toThrow(/timed out/i);
    } finally {
      session.close();
    }
  });

  it('answers v3 authPriv (SHA/AES) for the configured user', async () => {
    const session = snmp.createV3Session(
      agent.address,
      {
        name: user.name,
        level: snmp.SecurityLevel.authPriv,
        authProtocol: snmp.AuthProtocols.sha,
        authKey: user.authKey,
        privProtocol: snmp.PrivProtocols.aes,
        privKey: user.privKey,
      },
      { port: agent.port, timeout: 2000, retries: 0 },
    );
    try {
      const [sysName] = await get(session, ['1.3.6.1.2.1.1.5.0']);
      expect(String(sysName?.value)).toBe('ne-test');
    } finally {
      session.close();
    }
  });

  it('the NOC receiver acknowledges informs with its community, and only those', async () => {
    const noc = await started(startNocReceiver({ address: '127.78.2.2', port: 20162, community: 'noc-c' }));
    const inform = (community: string, timeout: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const session = snmp.createSession(noc.address, community, { version: snmp.Version2c, timeout, retries: 0, trapPort: noc.port });
        session.inform(snmp.TrapType.ColdStart, (error) => {
          session.close();
          if (error) reject(error);
          else resolve();
        });
      });
    await inform('noc-c', 2000);
    await expect(inform('wrong', 500)).rejects.toThrow(/timed out/i);
    expect(noc.received).toHaveLength(1);
    expect(noc.received[0]?.type).toBe(166);
  });
});

// ---------------------------------------------------------------------------------------------
// RADIUS
// ---------------------------------------------------------------------------------------------

describe('radius server', () => {
  const secret = 'lab-secret';
  const probeUser = { username: 'netcheck-probe', password: 'probe-pass' };
  const radius = createRequire(import.meta.url)('radius') as {
    encode(args: Record<string, unknown>): Buffer;
    verify_response(args: { request: Buffer; response: Buffer; secret: string }): boolean;
  };
  let server: RadiusServerHandle;
  let blast: RadiusServerHandle;
  beforeAll(async () => {
    server = await started(startRadiusServer({ address: '127.78.3.1', port: 0, acctPort: 0, secret, probeUser }));
    blast = await started(startRadiusServer({ address: '127.78.3.2', port: 0, secret, omitMessageAuthenticator: true }));
  });

  const statusServer = (withSecret: string): Buffer =>
    radius.encode({ code: 'Status-Server', secret: withSecret, identifier: randomBytes(1)[0], attributes: [], add_message_authenticator: true });
  const accessRequest = (withSecret: string, password: string, messageAuthenticator = true): Buffer =>
    radius.encode({
      code: 'Access-Request',
      secret: withSecret,
      identifier: randomBytes(1)[0],
      attributes: [
        ['User-Name', probeUser.username],
        ['User-Password', password],
      ],
      add_message_authenticator: messageAuthenticator,
    });
  /** Verifies a reply's Message-Authenticator (RFC 3579: HMAC-MD5 with the request authenticator). */
  const replyMessageAuthenticatorValid = (request: Buffer, reply: Buffer): boolean => {
    if (reply[20] !== 80) return false; // must be the first attribute
    const copy = Buffer.from(reply);
    request.copy(copy, 4, 4, 20);
    copy.fill(0, 22, 38);
    return createHmac('md5', secret).update(copy).digest().equals(reply.subarray(22, 38));
  };

  it('Status-Server on the auth port: Access-Accept with a Message-Authenticator first', async () => {
    const request = statusServer(secret);
    const reply = await udpExchange(server.address, server.port, request);
    expect(reply?.[0]).toBe(2);
    expect(radius.verify_response({ request, response: Buffer.from(reply ?? []), secret })).toBe(true);
    expect(replyMessageAuthenticatorValid(request, reply ?? Buffer.alloc(0))).toBe(true);
  });

  it('Status-Server on the acct port: Accounting-Response', async () => {
    const request = statusServer(secret);
    const reply = await udpExchange(server.address, server.acctPort ?? 0, request);
    expect(reply?.[0]).toBe(5);
    expect(radius.verify_response({ request, response: Buffer.from(reply ?? []), secret })).toBe(true);
  });

  it('Access-Request: Accept for the probe user, Reject for a wrong password', async () => {
    const good = await udpExchange(server.address, server.port, accessRequest(secret, probeUser.password));
    const bad = await udpExchange(server.address, server.port, accessRequest(secret, 'nope'));
    expect(good?.[0]).toBe(2);
    expect(bad?.[0]).toBe(3);
  });

  it('a wrong secret: silence with a Message-Authenticator, an unverifiable Reject without one', async () => {
    const dropsBefore = server.events.filter((event) => event.why === 'bad-message-authenticator').length;
    const socket = dgram.createSocket('udp4');
    socket.send(statusServer('wrong-secret'), server.port, server.address, () => socket.close());
    await eventually(() => server.events.filter((event) => event.why === 'bad-message-authenticator').length > dropsBefore);

    const request = accessRequest('wrong-secret', probeUser.password, false);
    const reply = await udpExchange(server.address, server.port, request);
    expect(reply?.[0]).toBe(3);
    expect(radius.verify_response({ request, response: Buffer.from(reply ?? []), secret: 'wrong-secret' })).toBe(false);
  });

  it('omitMessageAuthenticator: the reply has no Message-Authenticator', async () => {
    const request = statusServer(secret);
    const reply = await udpExchange(blast.address, blast.port, request);
    expect(reply?.[0]).toBe(2);
    expect(reply?.length).toBe(20);
    // Its Response Authenticator still verifies (MD5 over the reply with the request authenticator).
    const copy = Buffer.from(reply ?? []);
    request.copy(copy, 4, 4, 20);
    expect(createHash('md5').update(copy).update(secret).digest().equals(reply?.subarray(4, 20) ?? Buffer.alloc(0))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// NTP
// ---------------------------------------------------------------------------------------------

describe('ntp server', () => {
  const request = (): Buffer => {
    const packet = Buffer.alloc(48);
    packet[0] = 0x23; // LI 0, VN 4, mode 3
    randomBytes(8).copy(packet, 40);
    return packet;
  };
  const toMs = (buffer: Buffer, offset: number): number =>
    ((buffer.readUInt32BE(offset) - 2_208_988_800) + buffer.readUInt32BE(offset + 4) / 2 ** 32) * 1000;

  it('answers mode 3 with mode 4, copying transmit into origin', async () => {
    const server = await started(startNtpServer({ address: '127.78.4.1', port: 0, stratum: 2, offsetMs: 5000 }));
    const query = request();
    const t1 = Date.now();
    const reply = await udpExchange(server.address, server.port, query);
    const t4 = Date.now();
    expect(reply).toBeDefined();
    const packet = reply ?? Buffer.alloc(48);
    expect(packet[0]! & 0x07).toBe(4);
    expect(packet[0]! >> 6).toBe(0);
    expect(packet[1]).toBe(2);
    expect(packet.subarray(24, 32).equals(query.subarray(40, 48))).toBe(true);
    const offset = (toMs(packet, 32) - t1 + (toMs(packet, 40) - t4)) / 2;
    expect(Math.abs(offset - 5000)).toBeLessThan(1000);
  });

  it('unsynchronized: LI=3, stratum 0, refid 0 (not a kiss-o\'-death)', async () => {
    const server = await started(startNtpServer({ address: '127.78.4.2', port: 0, leapIndicator: 3 }));
    const reply = (await udpExchange(server.address, server.port, request())) ?? Buffer.alloc(48);
    expect(reply[0]! >> 6).toBe(3);
    expect(reply[1]).toBe(0);
    expect(reply.readUInt32BE(12)).toBe(0);
  });

  it('kissCode: stratum 0 with the ASCII code', async () => {
    const server = await started(startNtpServer({ address: '127.78.4.3', port: 0, kissCode: 'RATE' }));
    const reply = (await udpExchange(server.address, server.port, request())) ?? Buffer.alloc(48);
    expect(reply[1]).toBe(0);
    expect(reply.subarray(12, 16).toString('ascii')).toBe('RATE');
  });

  it('ignores mode 6 control queries', async () => {
    const server = await started(startNtpServer({ address: '127.78.4.4', port: 0 }));
    const control = Buffer.alloc(48);
    control[0] = 0x26; // VN 4, mode 6
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.send(control, server.port, server.address, () => resolve()));
    socket.close();
    const reply = await udpExchange(server.address, server.port, request());
    expect(reply).toBeDefined();
    expect(server.answered()).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// DNS
// ---------------------------------------------------------------------------------------------

describe('dns server', () => {
  let server: PeerHandle;
  beforeAll(async () => {
    server = await started(
      startDnsServer({
        address: '127.78.5.1',
        port: 0,
        zone: 'lab.test',
        records: { 'ne-1': ['127.77.1.1', '::1'], big: ['127.77.1.1', '127.77.1.2'] },
        truncateUdp: ['big'],
      }),
    );
  });
  const query = (name: string, type: 'A' | 'AAAA' = 'A'): Buffer =>
    dnsPacket.encode({ type: 'query', id: randomBytes(2).readUInt16BE(0), flags: 0, questions: [{ type, name }] });
  const ask = async (name: string, type: 'A' | 'AAAA' = 'A'): Promise<dnsPacket.DecodedPacket> =>
    dnsPacket.decode((await udpExchange(server.address, server.port, query(name, type))) ?? Buffer.alloc(0));

  it('answers A and AAAA from its records, authoritatively', async () => {
    const a = await ask('ne-1.lab.test');
    expect(a.flag_aa).toBe(true);
    expect(a.answers?.map((answer) => (answer as { data: unknown }).data)).toEqual(['127.77.1.1']);
    const aaaa = await ask('ne-1.lab.test', 'AAAA');
    expect(aaaa.answers?.map((answer) => (answer as { data: unknown }).data)).toEqual(['::1']);
  });

  it('NXDOMAIN inside the zone, REFUSED outside', async () => {
    // dns-packet decodes the RCODE, but its types do not declare it.
    const rcode = (packet: dnsPacket.DecodedPacket): unknown => (packet as unknown as { rcode: string }).rcode;
    expect(rcode(await ask('nobody.lab.test'))).toBe('NXDOMAIN');
    expect(rcode(await ask('example.com'))).toBe('REFUSED');
  });

  it('TC over UDP for a truncated name, full answer over TCP', async () => {
    const udp = await ask('big.lab.test');
    expect(udp.flag_tc).toBe(true);
    const payload = query('big.lab.test');
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(payload.length);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const socket = net.connect({ host: server.address, port: server.port }, () => socket.write(Buffer.concat([prefix, payload])));
      let data: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
          socket.destroy();
          resolve(data.subarray(2));
        }
      });
      socket.on('error', reject);
    });
    const tcp = dnsPacket.decode(reply);
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Banner services: FTP, HTTP(S), telnet/TL1, MySQL, silent
// ---------------------------------------------------------------------------------------------

describe('ftp peer', () => {
  it('greets with a multi-line 220 and answers QUIT with 221', async () => {
    const peer = await started(startFtpPeer({ address: '127.78.6.1', port: 0 }));
    let quitSent = false;
    const { received } = await tcpExchange(
      peer.address,
      peer.port,
      (data) => data.toString().includes('221 '),
      (socket, data) => {
        if (!quitSent && /^220 /m.test(data.toString())) {
          quitSent = true;
          socket.write('QUIT\r\n');
        }
      },
    );
    const lines = received.toString().split('\r\n');
    expect(lines[0]).toMatch(/^220-/);
    expect(lines.some((line) => line.startsWith('220 '))).toBe(true);
    expect(received.toString()).toContain('221 ');
  });

  it('oops: 500 OOPS at connect, then closes', async () => {
    const peer = await started(startFtpPeer({ address: '127.78.6.2', port: 0, oops: true }));
    const { received, closedByServer } = await tcpExchange(peer.address, peer.port, () => false);
    expect(received.toString()).toMatch(/^500 OOPS: /);
    expect(closedByServer).toBe(true);
  });
});

describe('https peer', () => {
  const get = (
    module: typeof https | typeof http,
    address: string,
    port: number,
  ): Promise<{ status: number; server: string | undefined; certificate?: ReturnType<TLSSocket['getPeerCertificate']> }> =>
    new Promise((resolve, reject) => {
      const request = module.get({ host: address, port, path: '/', rejectUnauthorized: false, agent: false }, (response) => {
        const socket = response.socket as TLSSocket;
        const certificate = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, server: response.headers.server?.toString(), certificate }));
      });
      request.on('error', reject);
    });

  it('serves GET / over TLS with a self-signed certificate for its name and address', async () => {
    const peer = await started(startHttpsPeer({ address: '127.78.7.1', port: 0, hostName: 'psm.lab.test' }));
    const { status, server, certificate } = await get(https, peer.address, peer.port);
    expect(status).toBe(200);
    expect(server).toBe('PSM-REST');
    expect(certificate?.subject.CN).toBe('psm.lab.test');
    expect(certificate?.subjectaltname).toContain('DNS:psm.lab.test');
    expect(certificate?.subjectaltname).toContain('IP Address:127.78.7.1');
    expect(new Date(certificate?.valid_to ?? 0).getTime()).toBeGreaterThan(Date.now());
  });

  it('expired: notAfter lies in the past', async () => {
    const peer = await started(startHttpsPeer({ address: '127.78.7.2', port: 0, expired: true }));
    const { certificate } = await get(https, peer.address, peer.port);
    expect(new Date(certificate?.valid_to ?? Date.now()).getTime()).toBeLessThan(Date.now());
  });

  it('plain HTTP with its own Server header', async () => {
    const peer = await started(startHttpsPeer({ address: '127.78.7.3', port: 0, tls: false, serverHeader: 'nginx' }));
    const { status, server } = await get(http, peer.address, peer.port);
    expect(status).toBe(200);
    expect(server).toBe('nginx');
  });
});

describe('telnet / TL1 peer', () => {
  const rtrvHdr = async (deny: boolean, last: number): Promise<string> => {
    const peer = await started(startTelnetPeer({ address: `127.78.8.${last}`, port: 0, sid: 'NE1', deny }));
    let sent = false;
    const { received } = await tcpExchange(
      peer.address,
      peer.port,
      (data) => sent && /M {2}CTAG .*;\s*$/s.test(data.toString('latin1')),
      (socket, data) => {
        if (!sent && data.length >= TELNET_NEGOTIATION.length) {
          sent = true;
          // A polite client refuses the options (RFC 1143) and then sends the command.
          socket.write(Buffer.from([255, 252, 24, 255, 254, 1, 255, 254, 3]));
          socket.write('RTRV-HDR:::CTAG;');
        }
      },
    );
    expect(received.subarray(0, TELNET_NEGOTIATION.length).equals(Buffer.from([255, 253, 24, 255, 251, 1, 255, 251, 3]))).toBe(true);
    return received.toString('latin1');
  };

  it('negotiates, then answers RTRV-HDR with COMPLD', async () => {
    const text = await rtrvHdr(false, 1);
    expect(text).toMatch(/\r\n\n {3}NE1 \d{2}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\r\nM {2}CTAG COMPLD\r\n;/);
  });

  it('deny: DENY with PLNA', async () => {
    const text = await rtrvHdr(true, 2);
    expect(text).toContain('M  CTAG DENY');
    expect(text).toContain('PLNA');
  });

  it('reads the command apart from telnet commands, even split across segments, and subnegotiations', async () => {
    const peer = await started(startTelnetPeer({ address: '127.78.8.3', port: 0, sid: 'NE1' }));
    let sent = false;
    const { received } = await tcpExchange(
      peer.address,
      peer.port,
      (data) => /M {2}C7 \w+\r\n/.test(data.toString('latin1')),
      (socket, data) => {
        if (sent || data.length < TELNET_NEGOTIATION.length) return;
        sent = true;
        // IAC | WONT TTYPE, then a TTYPE subnegotiation, then IAC NOP inside the verb: none of it is text.
        const pieces: (string | number[])[] = [[255], [252, 24, 255, 250, 24, 0], 'VT100', [255, 240], 'RTRV-', [255], [241], 'HDR:::C7;'];
        const bytes = pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'latin1') : Buffer.from(piece)));
        bytes.forEach((piece, i) => setTimeout(() => socket.writable && socket.write(piece), i * 5));
      },
    );
    // Any of those bytes left in the text would make the verb unknown (ICNV) or another one (PLNA).
    expect(received.toString('latin1')).toMatch(/M {2}C7 COMPLD\r\n;/);
  });
});

describe('mysql peer', () => {
  it('sends HandshakeV10 and closes on COM_QUIT', async () => {
    const peer = await started(startMysqlPeer({ address: '127.78.9.1', port: 0 }));
    let quit = false;
    const { received, closedByServer } = await tcpExchange(
      peer.address,
      peer.port,
      () => false,
      (socket, data) => {
        if (!quit && data.length >= 4 && data.length >= 4 + data.readUIntLE(0, 3)) {
          quit = true;
          socket.write(Buffer.from([1, 0, 0, 0, 1])); // COM_QUIT, sequence 0
        }
      },
    );
    expect(closedByServer).toBe(true);
    expect(received[3]).toBe(0);
    expect(received[4]).toBe(0x0a);
    expect(received.subarray(5, received.indexOf(0, 5)).toString()).toBe('8.0.36-lab');
    expect(received.toString('latin1')).toContain('caching_sha2_password');
  });

  it('errCode: an ERR packet instead of the greeting', async () => {
    const peer = await started(startMysqlPeer({ address: '127.78.9.2', port: 0, errCode: 1130 }));
    const { received, closedByServer } = await tcpExchange(peer.address, peer.port, () => false);
    expect(closedByServer).toBe(true);
    expect(received[4]).toBe(0xff);
    expect(received.readUInt16LE(5)).toBe(1130);
    expect(received.subarray(7).toString()).toContain('is not allowed to connect');
  });
});

describe('silent peers', () => {
  it('TCP accepts and never speaks; UDP never answers', async () => {
    const hole = await started(startBlackhole({ address: '127.78.10.1', port: 0 }));
    const connected = new Promise<Buffer>((resolve, reject) => {
      let data: Buffer = Buffer.alloc(0);
      const socket = net.connect({ host: hole.address, port: hole.port }, () => {
        socket.write('hello?\r\n');
        // A bounded look for a banner that must never come.
        setTimeout(() => {
          socket.destroy();
          resolve(data);
        }, 300);
      });
      socket.on('data', (chunk: Buffer) => (data = Buffer.concat([data, chunk])));
      socket.on('error', reject);
    });
    expect((await connected).length).toBe(0);
    expect(await udpExchange(hole.address, hole.udp.port, Buffer.from('ping'), 300)).toBeUndefined();
  });
});

describe('udp echo peer', () => {
  it('answers every datagram with itself', async () => {
    const peer = await started(startUdpEchoPeer({ address: '127.78.10.2', port: 0 }));
    expect((await udpExchange(peer.address, peer.port, Buffer.from('is anyone there?')))?.toString()).toBe('is anyone there?');
  });
});

// ---------------------------------------------------------------------------------------------
// The whole lab
// ---------------------------------------------------------------------------------------------

describe('startLab', () => {
  it('plans distinct addresses, ports for every port key it uses, and the faults', () => {
    const plan = planLab({ base: '127.79' });
    const addresses = plan.hosts.map((host) => host.address);
    expect(new Set(addresses).size).toBe(addresses.length);
    expect(addresses.every((address) => address.startsWith('127.79.'))).toBe(true);
    for (const host of plan.hosts) {
      for (const key of Object.keys(host.ports)) expect(PORT_KEYS).toContain(key);
      const bound = host.listeners.map((listener) => `${listener.port}/${listener.transport}`);
      expect(new Set(bound).size).toBe(bound.length);
    }
    expect(plan.faults.map((fault) => fault.kind).sort()).toEqual([
      'closed-port',
      'host-key-changed',
      'netconf-login-rejected',
      'ntp-unsynchronized',
      'radius-no-message-authenticator',
      'radius-wrong-secret',
      'silent-port',
    ]);
    const netconf = (type: string) => plan.hosts.find((host) => host.neType === type)?.ports.netconf;
    expect(netconf('bti7800')).toBe(22022);
    expect(netconf('juniper-mx')).toBe(20830);
    expect(planLab({ faults: false }).faults).toEqual([]);
  });

  it('listens exactly where the matrix puts each host, with the peer that speaks each probe', () => {
    const plan = planLab();
    const served = servedRowPorts(plan.hosts);
    const refusals = new Set(plan.faults.filter((fault) => fault.kind === 'closed-port').flatMap((fault) => fault.ports.map((p) => `${fault.host} ${p.transport}/${p.port}`)));
    for (const host of plan.hosts) {
      const asked = new Map<string, Set<string>>();
      for (const { row, matrixPort, spec } of served.get(host) ?? []) {
        if (matrixPort.probe === null) continue; // FTP's TCP 20: nothing connects to it
        for (const port of expandPorts(spec)) {
          const key = `${row.transport}/${port}`;
          asked.set(key, (asked.get(key) ?? new Set()).add(`${matrixPort.probe}:${row.expect}`));
        }
      }
      for (const path of plan.paths.filter((p) => p.to === host.name && p.expect === 'open')) {
        for (const port of path.ports) asked.set(`${path.transport}/${port}`, new Set([`${path.probe ?? path.transport}:open`]));
      }
      const listening = new Map(host.listeners.map((listener) => [`${listener.transport}/${listener.port}`, listener.spec.kind]));
      for (const [port, kind] of listening) expect(asked.has(port), `${host.name} ${port} (${kind}) is asked for by no row`).toBe(true);
      for (const [port, probes] of asked) {
        // Nothing listens where the proof is a refusal (traceroute), or where a fault closed the port.
        const refusal = [...probes].every((probe) => probe === 'udp:reachable') || refusals.has(`${host.name} ${port}`);
        expect(listening.has(port), `${host.name} ${port} (${[...probes].join(', ')})`).toBe(!refusal);
      }
    }
    const rest = plan.hosts.find((host) => host.name === 'psm-server-1')?.listeners.find((listener) => listener.portKey === 'rest');
    expect(rest?.spec).toMatchObject({ kind: 'http', options: { tls: true } });
    const netconf = plan.hosts.find((host) => host.name === 'ne-bti7800-1')?.listeners.find((listener) => listener.portKey === 'netconf');
    expect(netconf?.spec).toMatchObject({ kind: 'ssh', options: { netconf: { capabilities: expect.any(Array) } } });
  });

  it('serves a row added to the matrix without a change to the lab', () => {
    const row = {
      ...(MATRIX.find((r) => r.id === 't3-snmp') as (typeof MATRIX)[number]),
      id: 't9-test-ssh',
      transport: 'tcp' as const,
      ports: [{ port: 4242, probe: 'ssh' as const }],
      neTypes: ['bti700' as const],
    };
    const plan = planLab({ matrix: [...MATRIX, row] });
    for (const host of plan.hosts) {
      const added = host.listeners.find((listener) => listener.port === 4242);
      if (host.neType === 'bti700') expect(added?.spec.kind, host.name).toBe('ssh');
      else expect(added, host.name).toBeUndefined();
    }
  });

  it('has a peer for every probe kind', () => {
    expect(Object.keys(PEER_FOR_PROBE).sort()).toEqual([...PROBE_KINDS].sort());
  });

  it('two labs in one process take two blocks; a block in use is refused by name', async () => {
    const small = { elements: 0, faults: false };
    const first = await startLab(small);
    const second = await startLab(small);
    try {
      expect(first.network).toMatch(/^127\.\d+\.0\.0\/16$/);
      expect(second.network).not.toBe(first.network);
      const base = first.network.replace(/\.0\.0\/16$/, '');
      await expect(startLab({ ...small, base })).rejects.toMatchObject({ code: 'E_LAB_IN_USE' });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('starts every host, serves the inventory it describes, and closes without leaving handles', async () => {
    await settle();
    const before = resourceCounts();
    const lab = await startLab();
    try {
      // A banner from every SSH port of every NE, with the fingerprint the lab reports.
      for (const host of lab.hosts.filter((h) => h.neType !== undefined)) {
        for (const listener of host.listeners.filter((l) => l.service === 'ssh')) {
          const { received } = await tcpExchange(host.address, listener.port, (data) => data.includes('\r\n'));
          expect(received.toString('latin1')).toMatch(/^SSH-2\.0-/);
        }
      }
      // NETCONF on a healthy BTI7800 with the lab's credentials.
      const bti = lab.host('ne-bti7800-1');
      const { client, hostKey } = await sshConnect(bti.address, bti.ports.netconf as number, lab.secrets['ne-ssh-password']);
      expect(fingerprintOfBlob(hostKey)).toBe(bti.fingerprint);
      const channel = await openNetconf(client);
      expect(await readChannelUntil(channel, (text) => text.includes(EOM))).toContain('http://tail-f.com/ns/netconf/actions/1.0');
      client.end();
      // The NETCONF fault.
      const rejected = lab.faults.find((fault) => fault.kind === 'netconf-login-rejected');
      const rejecting = lab.host(rejected?.host ?? '');
      await expect(sshConnect(rejecting.address, rejected?.port ?? 0, lab.secrets['ne-ssh-password'])).rejects.toMatchObject({
        level: 'client-authentication',
      });
      // The closed port refuses.
      const closed = lab.faults.find((fault) => fault.kind === 'closed-port');
      await expect(tcpExchange(lab.host(closed?.host ?? '').address, closed?.port ?? 0, () => true)).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
      // SNMP with the lab's community.
      const ne = lab.host('ne-bti700-4');
      const session = snmp.createSession(ne.address, lab.secrets['snmp-community'], {
        port: ne.ports.snmp as number,
        version: snmp.Version2c,
        timeout: 2000,
        retries: 0,
      });
      const varbinds = await new Promise<snmp.Varbind[]>((resolve, reject) =>
        session.get(['1.3.6.1.2.1.1.5.0'], (error, result) => (error ? reject(error) : resolve(result ?? []))),
      );
      session.close();
      expect(String(varbinds[0]?.value)).toBe('ne-bti700-4');

      // The inventory: every host, ports as the lab binds them, secrets only as file references.
      const yaml = lab.inventoryYaml();
      const inventory = parseYaml(yaml) as { hosts: Array<{ name: string; addresses: string[]; ports?: Record<string, unknown>; probes?: { ssh?: { hostKey?: string } } }> };
      expect(inventory.hosts.map((host) => host.name).sort()).toEqual(lab.hosts.map((host) => host.name).sort());
      for (const secret of Object.values(lab.secrets)) expect(yaml).not.toContain(secret);
      const pins = Object.fromEntries(inventory.hosts.map((host) => [host.name, host.probes?.ssh?.hostKey]));
      expect(pins['ne-juniper-mx-2']).toBe(lab.host('ne-juniper-mx-2').fingerprint);
      expect(pins['ne-juniper-mx-7']).toMatch(/^SHA256:/);
      expect(pins['ne-juniper-mx-7']).not.toBe(lab.host('ne-juniper-mx-7').fingerprint);
      const juniper = inventory.hosts.find((host) => host.name === 'ne-juniper-mx-7') as { probes?: Record<string, { hostKey?: string }> };
      expect(juniper.probes?.netconf?.hostKey).toBe(pins['ne-juniper-mx-7']);

      const dir = await mkdtemp(path.join(os.tmpdir(), 'psm-lab-'));
      try {
        const inventoryPath = await lab.writeInventory(dir);
        expect(await readFile(inventoryPath, 'utf8')).toBe(yaml);
        const secretFile = path.join(dir, 'secrets', 'ne-ssh-password');
        expect(await readFile(secretFile, 'utf8')).toBe(lab.secrets['ne-ssh-password']);
        expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      await lab.close();
    }
    await settle();
    expect(resourceCounts()).toEqual(before);
  });

  it('many elements share host keys and SNMP agents, each on its own address', async () => {
    await settle();
    const before = resourceCounts();
    const lab = await startLab({ elements: 60, faults: false });
    try {
      const nes = lab.hosts.filter((host) => host.neType !== undefined);
      expect(nes).toHaveLength(60);
      expect(new Set(nes.map((host) => host.address)).size).toBe(60);
      const withSsh = nes.filter((host) => host.listeners.some((listener) => listener.service === 'ssh'));
      expect(withSsh.length).toBeGreaterThan(0);
      expect(new Set(withSsh.map((host) => host.fingerprint)).size).toBe(1);
      for (const ne of [nes[0], nes[59]]) {
        const session = snmp.createSession(ne?.address ?? '', lab.secrets['snmp-community'], {
          port: ne?.ports.snmp as number,
          version: snmp.Version2c,
          timeout: 2000,
          retries: 0,
        });
        const varbinds = await new Promise<snmp.Varbind[]>((resolve, reject) =>
          session.get(['1.3.6.1.2.1.1.5.0'], (error, result) => (error ? reject(error) : resolve(result ?? []))),
        );
        session.close();
        expect(String(varbinds[0]?.value)).toBe('lab-ne');
      }
    } finally {
      await lab.close();
    }
    await settle();
    expect(resourceCounts()).toEqual(before);
  });
});

/** Socket and server handles by kind (timers of the test runner itself are left out). */
function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'Timeout' || kind === 'Immediate' || kind === 'TTYWrap' || kind === 'FSReqCallback') continue;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** Lets closing sockets finish closing (they report 'close' on a later turn of the event loop). */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}
