import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import responderTcp from '../probes/responder-tcp.js';
import responderUdp from '../probes/responder-udp.js';
import { natFinding } from '../probes/protocols/responder/facts.js';
import {
  ANSWER_MAX,
  buildAnswer,
  buildRequest,
  MAX_LINE,
  parseReply,
  parseRequest,
  REQUEST_SIZE,
  verifyAnswer,
  verifyRequest,
} from '../probes/protocols/responder/protocol.js';
import type { ProbeFacts } from '../src/core/probe.js';
import { parseInventory } from '../src/inventory/load.js';
import { Secret } from '../src/core/secret.js';
import type { Host, Inventory } from '../src/inventory/types.js';
import { planChecks } from '../src/planner/plan.js';
import { explainBindError } from '../src/responder/bind-errors.js';
import { decide, PeerBook, ReplayGuard, type ResponderEvent } from '../src/responder/decide.js';
import { startResponder, type RunningResponder } from '../src/responder/server.js';
import { runCli } from './support/cli.js';
import { runProbe } from './support/probe-context.js';

/**
 * The responder (`psm-netcheck respond`) and its two probes, on loopback: the token, the byte
 * bound, peers outside the inventory, replays, NAT detection, and the planner's substitution.
 * 127.0.0.9 stands for a peer outside the inventory (every 127/8 address is local on Linux).
 */

const TOKEN = new Secret('shared-responder-token');
const WRONG = new Secret('some-other-token');
const OUTSIDER = '127.0.0.9';

const inventory: Inventory = parseInventory(
  `
hosts:
  - { name: server, role: psm-server, addresses: [127.0.0.1] }
  - { name: client, role: psm-client, addresses: [127.0.0.1] }
  - { name: far-client, role: psm-client, addresses: [192.0.2.77] }
  - { name: ne1, role: network-element, neType: bti7800, addresses: [192.0.2.50] }
paths:
  - { name: jmx-closed, from: client, to: server, transport: tcp, ports: [9520], expect: closed }
responder:
  token: { env: RESPONDER_TOKEN }
`,
  'responder-test.yaml',
  '/tmp',
  { env: { RESPONDER_TOKEN: TOKEN.reveal() } },
);
const host = (name: string): Host => inventory.hosts.find((h) => h.name === name) as Host;

describe('the inventory\'s responder token', () => {
  const yaml = 'hosts:\n  - { name: a, role: psm-server, addresses: [127.0.0.1] }\nresponder:\n  token: { env: NO_SUCH_TOKEN_VAR }\n';

  it('is required like every secret for check, at its line, without its value', () => {
    expect(() => parseInventory(yaml, 'inv.yaml', '/tmp', { env: {} })).toThrow(
      'inv.yaml:4:17: responder.token.env: environment variable NO_SUCH_TOKEN_VAR is not set',
    );
  });

  it('is only described when secrets are not required (respond then says where it looked)', () => {
    const loaded = parseInventory(yaml, 'inv.yaml', '/tmp', { env: {}, requireSecrets: false });
    expect(loaded.responder).toEqual({ tokenSource: 'environment variable NO_SUCH_TOKEN_VAR' });
    expect(inventory.responder?.token?.reveal()).toBe(TOKEN.reveal());
    expect(JSON.stringify(inventory.responder)).not.toContain(TOKEN.reveal());
  });
});

describe('the responder line protocol', () => {
  it('pads every request beyond the longest answer, so an answer never outgrows its request', () => {
    expect(ANSWER_MAX).toBeLessThan(REQUEST_SIZE);
    expect(REQUEST_SIZE).toBeLessThanOrEqual(MAX_LINE);
    const request = buildRequest(TOKEN, 'client');
    expect(request?.bytes.length).toBe(REQUEST_SIZE);
    const longest = buildAnswer(TOKEN, request?.nonce ?? '', {
      responder: 'x'.repeat(128),
      seenAddress: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      seenPort: 65535,
      localAddress: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      localPort: 65535,
    });
    expect(longest?.length).toBeLessThanOrEqual(ANSWER_MAX);
  });

  it('verifies a request and an answer with the token, and nothing else', () => {
    const request = buildRequest(TOKEN, 'client name/with odd|chars');
    const parsed = parseRequest(request?.bytes ?? Buffer.alloc(0));
    expect(parsed?.from).toBe('client name/with odd|chars');
    expect(parsed && verifyRequest(TOKEN, parsed)).toBe(true);
    expect(parsed && verifyRequest(WRONG, parsed)).toBe(false);

    const nonce = request?.nonce ?? '';
    const fields = { responder: 'server', seenAddress: '::ffff:198.51.100.12', seenPort: 40000, localAddress: '198.51.100.10', localPort: 9998 };
    const answer = parseReply(buildAnswer(TOKEN, nonce, fields) ?? Buffer.alloc(0));
    expect(answer).toMatchObject({ kind: 'ok', fields: { seenAddress: '198.51.100.12', seenPort: 40000 } });
    if (answer?.kind !== 'ok') throw new Error('no answer');
    expect(verifyAnswer(TOKEN, nonce, answer)).toBe(true);
    expect(verifyAnswer(WRONG, nonce, answer)).toBe(false);
    expect(verifyAnswer(TOKEN, 'f'.repeat(32), answer)).toBe(false); // replayed for another request
    expect(verifyAnswer(TOKEN, nonce, { ...answer, fields: { ...answer.fields, seenPort: 40001 } })).toBe(false);
  });

  it('tells NAT from a direct path, by address and by source port', () => {
    const socket = { kind: 'socket' as const, address: '198.51.100.130', port: 40000 };
    expect(natFinding('198.51.100.130', 40000, socket)).toBeUndefined();
    expect(natFinding('198.51.100.12', 40000, socket)).toMatchObject({ code: 'nat-detected', severity: 'warn' });
    expect(natFinding('198.51.100.130', 61000, socket)?.message).toContain('source port translation');
    const machine = { kind: 'machine' as const, addresses: new Set(['127.0.0.1']) };
    expect(natFinding('::ffff:127.0.0.1', 1, machine)).toBeUndefined();
    expect(natFinding('198.51.100.12', 1, machine)?.message).toContain('NAT in the path');
  });
});

describe('psm-netcheck respond on loopback', () => {
  let responder: RunningResponder;
  const events: ResponderEvent[] = [];
  let tcpPort = 0;
  let udpPort = 0;

  beforeAll(async () => {
    responder = await startResponder({
      inventory,
      host: host('server'),
      token: TOKEN,
      ports: [
        { transport: 'tcp', port: 0, rows: ['t1-rest'], applications: ['PSM REST WS'], connectable: true },
        { transport: 'udp', port: 0, rows: ['t3-snmp-traps'], applications: ['SNMP'], connectable: true },
      ],
      addresses: ['127.0.0.1'],
      onEvent: (event) => events.push(event),
    });
    tcpPort = responder.sockets.find((s) => s.transport === 'tcp')?.port ?? 0;
    udpPort = responder.sockets.find((s) => s.transport === 'udp')?.port ?? 0;
    expect(responder.sockets.every((s) => s.ok)).toBe(true);
  });
  afterAll(async () => {
    await responder?.close();
  });

  const probe = (transport: 'tcp' | 'udp', name: string, token: Secret): Promise<ProbeFacts> =>
    runProbe(transport === 'tcp' ? responderTcp : responderUdp, {
      host: 'server',
      address: '127.0.0.1',
      port: transport === 'tcp' ? tcpPort : udpPort,
      transport,
    }, { credentials: { responder: { name, token } }, timeoutMs: 2000 });

  for (const transport of ['tcp', 'udp'] as const) {
    it(`${transport}: answers an inventory peer with the source it saw, and no NAT`, async () => {
      const facts = await probe(transport, 'client', TOKEN);
      expect(facts).toMatchObject({ state: 'open', reason: 'responder-answered' });
      expect(facts.evidence).toMatchObject({ responder: 'server', seenAddress: '127.0.0.1', responderPort: transport === 'tcp' ? tcpPort : udpPort });
      if (transport === 'tcp') expect(facts.evidence?.seenPort).toBe(facts.evidence?.localPort);
      expect(facts.findings ?? []).toEqual([]);
      expect(facts.message).toContain('saw this prober as 127.0.0.1');
    });

    it(`${transport}: a different token is refused as a token mismatch`, async () => {
      expect(await probe(transport, 'client', WRONG)).toMatchObject({ state: 'open', reason: 'responder-token-mismatch' });
    });

    it(`${transport}: a name that is not in the inventory is refused, even with the token`, async () => {
      const facts = await probe(transport, 'intruder', TOKEN);
      expect(facts).toMatchObject({ reason: 'responder-refused', evidence: { denied: 'unknown-peer' } });
    });
  }

  it('tcp: a peer outside the inventory without the token gets no byte at all', async () => {
    const request = buildRequest(WRONG, 'client')?.bytes ?? Buffer.alloc(0);
    expect(await tcpExchange(tcpPort, request, OUTSIDER)).toEqual(Buffer.alloc(0));
    expect(events.at(-1)).toMatchObject({ kind: 'ignored', code: 'bad-mac', peer: { address: OUTSIDER } });
  });

  it('tcp: a peer outside the inventory with the token is answered, and flagged as NAT', async () => {
    const request = buildRequest(TOKEN, 'client');
    const reply = parseReply(await tcpExchange(tcpPort, request?.bytes ?? Buffer.alloc(0), OUTSIDER));
    expect(reply).toMatchObject({ kind: 'ok', fields: { seenAddress: OUTSIDER } });
    expect(events.at(-1)).toMatchObject({ kind: 'answered', name: 'client', nat: true });
  });

  it('udp: silence for an outsider without the token (the next datagram gets the first reply)', async () => {
    const bad = buildRequest(WRONG, 'client')?.bytes ?? Buffer.alloc(0);
    const good = buildRequest(TOKEN, 'client');
    const [first] = await udpExchange(udpPort, [bad, good?.bytes ?? Buffer.alloc(0)], OUTSIDER, 1);
    const reply = parseReply(first ?? Buffer.alloc(0));
    if (reply?.kind !== 'ok') throw new Error(`expected an answer, got ${String(first)}`);
    expect(verifyAnswer(TOKEN, good?.nonce ?? '', reply)).toBe(true);
  });

  it('never answers with more bytes than it received: an unpadded request gets nothing', () => {
    const full = buildRequest(TOKEN, 'client')?.bytes.toString('latin1') ?? '';
    const unpadded = Buffer.from(`${full.replace(/ \.+\n$/, '')}\n`, 'latin1');
    const context = { token: TOKEN, name: 'responder-with-a-rather-long-inventory-name', peers: new PeerBook(inventory), replay: new ReplayGuard() };
    const peer = { address: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', port: 65535 };
    const local = { address: '2001:db8:eeee:eeee:eeee:eeee:eeee:eeee', port: 10100 };
    const short = decide(unpadded, 'udp', local, peer, context);
    expect(short.reply).toBeUndefined();
    expect(short.event).toMatchObject({ kind: 'ignored', code: 'answer-larger-than-request' });
    // The same request padded as the probes send it is answered, with fewer bytes than it has.
    const padded = decide(buildRequest(TOKEN, 'client')?.bytes ?? Buffer.alloc(0), 'udp', local, peer, context);
    expect(padded.event.kind).toBe('answered');
    expect(padded.reply?.length).toBeLessThan(REQUEST_SIZE);
  });

  it('a refusal is never longer than the request either', async () => {
    const tiny = await tcpExchange(tcpPort, Buffer.from('x\n'));
    expect(tiny.length).toBeLessThanOrEqual(2);
  });

  it('keeps answering inventory peers while an outsider holds hundreds of idle connections', async () => {
    // Each outsider address gets a few slots, all outsiders a small pool: the rest stays for peers.
    const idle = await Promise.all(
      Array.from({ length: 300 }, (_, i) => idleConnection(tcpPort, `127.0.${Math.floor(i / 100) + 10}.${(i % 100) + 1}`)),
    );
    try {
      const facts = await probe('tcp', 'client', TOKEN);
      expect(facts).toMatchObject({ state: 'open', reason: 'responder-answered' });
    } finally {
      for (const socket of idle) socket.destroy();
    }
  });

  it('refuses a replayed datagram', async () => {
    const request = buildRequest(TOKEN, 'client')?.bytes ?? Buffer.alloc(0);
    const replies = await udpExchange(udpPort, [request, request], '127.0.0.1', 2);
    expect(replies.map((r) => parseReply(r)?.kind)).toEqual(['ok', 'deny']);
    expect(replies[1]?.toString()).toContain('DENY replay');
    for (const reply of replies) expect(reply.length).toBeLessThanOrEqual(request.length);
  });

  it('refuses an oversized line from an inventory peer with a short DENY', async () => {
    const junk = Buffer.alloc(MAX_LINE * 4, 0x41);
    const reply = await tcpExchange(tcpPort, junk);
    expect(reply.toString()).toBe('PSMNC1 DENY malformed\n');
  });

  it('says why a port cannot be opened: in use (and by whom), or privileged', async () => {
    const second = await startResponder({
      inventory,
      host: host('server'),
      token: TOKEN,
      ports: [{ transport: 'tcp', port: tcpPort, rows: ['t1-rest'], applications: ['PSM REST WS'], connectable: true }],
      addresses: ['127.0.0.1'],
    });
    await second.close();
    const failed = second.sockets[0];
    expect(failed).toMatchObject({ ok: false, code: 'EADDRINUSE' });
    if (failed?.ok !== false) throw new Error('expected a failure');
    expect(failed.why).toContain(`(pid ${process.pid})`);
    // Tests run with or without root; the explanation of EACCES is checked on its own.
    expect(await explainBindError('EACCES', 'udp', 162, '0.0.0.0')).toMatch(/ports below \d+ need root or CAP_NET_BIND_SERVICE/);
  });
});

describe('the responder\'s TCP connection limits, on a real listener', () => {
  const start = (timeouts: { requestTimeoutMs: number; outsideRequestTimeoutMs: number }): Promise<RunningResponder> =>
    startResponder({
      inventory,
      host: host('server'),
      token: TOKEN,
      ports: [{ transport: 'tcp', port: 0, rows: ['t1-rest'], applications: ['PSM REST WS'], connectable: true }],
      addresses: ['127.0.0.1'],
      connectionLimits: { total: 256, perInventorySource: 32, perOutsideSource: 4, outside: 32 },
      ...timeouts,
    });
  const portOf = (responder: RunningResponder): number => responder.sockets[0]?.port ?? 0;

  it('closes the connections of one outside address past its cap at once, and keeps the others', async () => {
    // Idle deadlines far beyond the test: only the cap can close anything here.
    const responder = await start({ requestTimeoutMs: 600_000, outsideRequestTimeoutMs: 600_000 });
    const sockets = await Promise.all(Array.from({ length: 6 }, () => idleConnection(portOf(responder), '127.0.0.29')));
    try {
      const closed = sockets.map(() => false);
      await new Promise<void>((resolve) => {
        sockets.forEach((socket, i) =>
          socket.once('close', () => {
            closed[i] = true;
            if (closed.filter(Boolean).length === 2) resolve();
          }),
        );
      });
      // The exchange below proves the responder has handled every connection made before it.
      const request = buildRequest(TOKEN, 'client');
      expect(parseReply(await tcpExchange(portOf(responder), request?.bytes ?? Buffer.alloc(0)))).toMatchObject({ kind: 'ok' });
      expect(closed.filter(Boolean)).toHaveLength(2);
      expect(sockets.filter((socket) => !socket.destroyed && socket.readyState === 'open')).toHaveLength(4);
    } finally {
      for (const socket of sockets) socket.destroy();
      await responder.close();
    }
  });

  it('closes an idle connection at its deadline, an outsider\'s and an inventory peer\'s alike', async () => {
    const responder = await start({ requestTimeoutMs: 300, outsideRequestTimeoutMs: 200 });
    try {
      for (const source of ['127.0.0.1', OUTSIDER]) {
        const socket = await idleConnection(portOf(responder), source);
        // Without the deadline the connection would stay open, and this wait would hit the test's timeout.
        const received = await new Promise<number>((resolve) => {
          let bytes = 0;
          socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
          socket.once('close', () => resolve(bytes));
        });
        expect(received, source).toBe(0);
      }
    } finally {
      await responder.close();
    }
  });
});

describe('responder probes against scripted peers', () => {
  const servers: net.Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });

  /** A TCP peer that answers each request line with `answer(nonce)`. */
  async function scripted(answer: (nonce: string) => Buffer | string): Promise<number> {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (data: Buffer) => {
        const request = parseRequest(data.subarray(0, data.indexOf(0x0a) + 1));
        socket.end(answer(request?.nonce ?? ''));
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  const run = (port: number, credentials = { responder: { name: 'client', token: TOKEN } }): Promise<ProbeFacts> =>
    runProbe(responderTcp, { host: 'server', address: '127.0.0.1', port, transport: 'tcp' }, { credentials, timeoutMs: 2000 });

  it('reports NAT when the responder saw another source address', async () => {
    const port = await scripted(
      (nonce) =>
        buildAnswer(TOKEN, nonce, { responder: 'server', seenAddress: '198.51.100.12', seenPort: 1025, localAddress: '127.0.0.1', localPort: 9998 }) ??
        '',
    );
    const facts = await run(port);
    expect(facts).toMatchObject({ state: 'open', reason: 'responder-answered', evidence: { seenAddress: '198.51.100.12' } });
    expect(facts.findings).toEqual([expect.objectContaining({ code: 'nat-detected', severity: 'warn' })]);
  });

  it('rejects an answer made without the token', async () => {
    const port = await scripted(
      (nonce) =>
        buildAnswer(WRONG, nonce, { responder: 'server', seenAddress: '127.0.0.1', seenPort: 1, localAddress: '127.0.0.1', localPort: 1 }) ?? '',
    );
    expect(await run(port)).toMatchObject({ state: 'open', reason: 'responder-bad-answer' });
  });

  it('tells a real service from the responder', async () => {
    const port = await scripted(() => 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n');
    expect(await run(port)).toMatchObject({ state: 'open', reason: 'other-service', evidence: { banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2' } });
  });

  it('sends nothing without a token', async () => {
    expect(await run(1, {} as never)).toMatchObject({ state: 'error', reason: 'responder-no-token' });
  });
});

describe('planning through the responder', () => {
  const client = host('client');

  it('replaces the probes of the responder host\'s TCP and UDP ports, and only those', () => {
    const plan = planChecks(inventory, client, undefined, { viaResponder: ['server'] });
    const toServer = plan.probes.filter((p) => p.target === 'server');
    expect(toServer.length).toBeGreaterThan(0);
    expect(toServer.every((p) => p.probe === 'responder-tcp')).toBe(true);
    for (const p of toServer) {
      expect(Object.keys(p.credentials)).toEqual(['responder']);
      expect(p.credentials.responder?.name).toBe('client');
    }
    // The NE is not behind a responder: its probes stay as they are.
    expect(plan.probes.some((p) => p.target === 'ne1' && p.probe === 'snmp')).toBe(true);
    // FTP's data port stays untestable.
    expect(plan.notTestable.some((n) => n.row === 't1-ftp' && n.ports.includes('20'))).toBe(true);
  });

  it('keeps an expected-closed path apart from the matrix row on the same port', () => {
    const plan = planChecks(inventory, client, undefined, { viaResponder: ['server'] });
    const jmx = plan.probes.filter((p) => p.target === 'server' && p.port === 9520);
    expect(jmx.map((p) => [p.rows, p.expected])).toEqual([
      [['t1-jmx'], 'open'],
      [['path:jmx-closed'], 'closed'],
    ]);
  });

  it('names the responder in what the plan cannot test', () => {
    const plan = planChecks(inventory, host('server'));
    const traps = plan.notTestable.find((n) => n.row === 't3-snmp-traps');
    expect(traps?.why).toContain('inbound to server');
    expect(traps?.verify).toContain('run `psm-netcheck respond` there and check with `--via-responder server`');
    expect(traps?.verify).toContain('an NE cannot run psm-netcheck');
    expect(plan.notTestable.find((n) => n.row === 't1-rest')?.verify).toMatch(/^run `psm-netcheck check` on (\S+|the psm-client side); .*`--via-responder server`/);
  });

  it('the CLI refuses --via-responder for an unknown host, the vantage, or without a token, before sending anything', async () => {
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/psm-netcheck-responder-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${dir}/no-token.yaml`, 'hosts:\n  - { name: a, role: psm-client, addresses: [127.0.0.1] }\n  - { name: b, role: psm-server, addresses: [127.0.0.1] }\n');
    const unknown = await runCli(['check', '-i', `${dir}/no-token.yaml`, '--from', 'a', '--via-responder', 'zz']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('E_USAGE: --via-responder zz: no such host');
    const self = await runCli(['check', '-i', `${dir}/no-token.yaml`, '--from', 'a', '--via-responder', 'a']);
    expect(self.stderr).toContain('that is the vantage itself');
    const noToken = await runCli(['check', '-i', `${dir}/no-token.yaml`, '--from', 'a', '--via-responder', 'b']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('needs a shared token');
  });
});

/** One TCP exchange from `source`: send, half-close, read everything until the peer closes. */
/** A connection from `source` that sends nothing (resolves once connected, or once refused). */
function idleConnection(port: number, source: string): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: source }, () => resolve(socket));
    socket.on('error', () => resolve(socket));
  });
}

function tcpExchange(port: number, payload: Buffer, source = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: source }, () => socket.end(payload));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Sends datagrams in order from `source` and collects the first `count` replies. */
function udpExchange(port: number, payloads: readonly Buffer[], source: string, count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const replies: Buffer[] = [];
    socket.on('message', (message) => {
      replies.push(message);
      if (replies.length === count) {
        socket.close();
        resolve(replies);
      }
    });
    socket.on('error', reject);
    socket.bind(0, source, () => {
      for (const payload of payloads) socket.send(payload, port, '127.0.0.1');
    });
  });
}
