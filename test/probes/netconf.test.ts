import type { AddressInfo } from 'node:net';
import * as xml from 'fast-xml-parser';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chunkedMatcher, frameChunked, scanChunked } from '../../probes/protocols/netconf/framing.js';
import { CLIENT_HELLO, parseServerHello, summarizeCapabilities } from '../../probes/protocols/netconf/hello.js';
import netconfProbe from '../../probes/netconf.js';
import type { HostCredentials } from '../../src/core/credentials.js';
import { Secret } from '../../src/core/secret.js';
import { generateHostKey } from '../../src/lab/host-key.js';
import { serveNetconf } from '../../src/lab/netconf-session.js';
import { startSshPeer, type SshPeerHandle, type SshPeerOptions } from '../../src/lab/ssh-peer.js';
import { capturingLogger, runProbe, tcpTarget } from '../support/probe-context.js';

const USER = 'netcheck';
const PASSWORD = 'netcheck-lab';
const login = (password = PASSWORD): HostCredentials => ({ ssh: { username: USER, password: new Secret(password) } });

describe('netconf probe against the lab SSH/NETCONF peer', () => {
  const peers: SshPeerHandle[] = [];
  const peer = async (options: Partial<SshPeerOptions> = {}): Promise<SshPeerHandle> => {
    const started = await startSshPeer({ address: '127.0.0.1', port: 0, username: USER, password: PASSWORD, netconf: true, ...options });
    peers.push(started);
    return started;
  };
  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close()));
  });

  it('logs in, reads the hello and closes the session (base 1.1, chunked framing)', async () => {
    const server = await peer();
    const facts = await runProbe(netconfProbe, tcpTarget(server.port), { credentials: login() });
    expect(facts.state).toBe('open');
    expect(facts.reason).toBe('netconf-ok');
    expect(facts.evidence).toMatchObject({
      software: 'OpenSSH_9.2p1',
      hostKeyFingerprint: server.fingerprint,
      sessionId: '1',
      baseVersions: ['1.0', '1.1'],
      framing: 'chunked',
      capabilityCount: 7,
      capabilities: ['candidate', 'notification', 'startup', 'yang-library'],
      yangModuleCount: 1,
      closeSession: 'ok',
    });
    expect(facts.findings).toBeUndefined();
    for (const phase of ['connect', 'banner', 'kex', 'auth', 'subsystem', 'hello', 'close']) expect(facts.timings).toHaveProperty(phase);
  });

  it('uses end-of-message framing with a base:1.0-only server', async () => {
    const server = await peer({ netconf: { base11: false } });
    const facts = await runProbe(netconfProbe, tcpTarget(server.port), { credentials: login() });
    expect(facts.reason).toBe('netconf-ok');
    expect(facts.evidence).toMatchObject({ baseVersions: ['1.0'], framing: 'end-of-message', closeSession: 'ok' });
  });

  it('lists vendor capabilities (Juniper style)', async () => {
    const server = await peer({
      netconf: {
        capabilities: [
          'urn:ietf:params:netconf:capability:candidate:1.0',
          'http://xml.juniper.net/netconf/junos/1.0',
          'http://xml.juniper.net/dmi/system/1.0',
        ],
      },
    });
    const facts = await runProbe(netconfProbe, tcpTarget(server.port), { credentials: login() });
    expect(facts.reason).toBe('netconf-ok');
    expect(facts.evidence?.vendorCapabilities).toEqual(['http://xml.juniper.net/netconf/junos/1.0', 'http://xml.juniper.net/dmi/system/1.0']);
  });

  it('reports a wrong password as auth-failed, without the password anywhere', async () => {
    const server = await peer();
    const { log, lines } = capturingLogger();
    const facts = await runProbe(netconfProbe, tcpTarget(server.port), { credentials: login('wrong-Pa55-marker'), log });
    expect(facts).toMatchObject({ state: 'open', reason: 'auth-failed' });
    expect(facts.message).toContain(USER);
    expect(JSON.stringify(facts) + lines.join('')).not.toContain('wrong-Pa55-marker');
  });

  it('reports a server that refuses every login as auth-failed', async () => {
    const server = await peer({ rejectLogin: true });
    const facts = await runProbe(netconfProbe, tcpTarget(server.port), { credentials: login() });
    expect(facts.reason).toBe('auth-failed');
  });

  it('reports a refused subsystem (NETCONF not enabled on the port)', async () => {
    const server = await peer({ noNetconf: true });
    const facts = await runProbe(netconfProbe, tcpTarget(server.port), { credentials: login() });
    expect(facts).toMatchObject({ state: 'open', reason: 'subsystem-refused' });
  });

  it('reports a subsystem that never says hello as no-hello (retryable)', async () => {
    const server = await peer({ silentNetconf: true });
    const facts = await runProbe(netconfProbe, tcpTarget(server.port), { credentials: login(), timeoutMs: 1500 });
    expect(facts).toMatchObject({ state: 'open', reason: 'no-hello' });
    expect(netconfProbe.reasons['no-hello']?.retryable).toBe(true);
  });

  it('reports a hello that is not well-formed XML', async () => {
    const server = await peer({ malformedHello: true });
    const facts = await runProbe(netconfProbe, tcpTarget(server.port), { credentials: login() });
    expect(facts).toMatchObject({ state: 'open', reason: 'malformed-hello' });
    expect(facts.message).toMatch(/not well-formed/);
  });

  it('without credentials: verifies the SSH transport only, and says NETCONF was not verified', async () => {
    const server = await peer();
    const facts = await runProbe(netconfProbe, tcpTarget(server.port));
    expect(facts).toMatchObject({ state: 'open', reason: 'not-tested-missing-credentials' });
    expect(facts.message).toContain('NETCONF itself was not verified');
    expect(facts.evidence).toMatchObject({ software: 'OpenSSH_9.2p1', hostKeyFingerprint: server.fingerprint });
  });

  it('without credentials: still reports a changed host key', async () => {
    const server = await peer();
    const facts = await runProbe(netconfProbe, tcpTarget(server.port), { options: { hostKey: generateHostKey().fingerprint } });
    expect(facts).toMatchObject({ reason: 'host-key-changed' });
  });

  it('reports a private key that cannot be parsed as credentials-unusable', async () => {
    const server = await peer();
    const credentials: HostCredentials = { ssh: { username: USER, privateKey: new Secret('not a key') } };
    const facts = await runProbe(netconfProbe, tcpTarget(server.port), { credentials });
    expect(facts).toMatchObject({ state: 'error', reason: 'credentials-unusable' });
  });
});

describe('netconf probe against a purpose-built server', () => {
  // ssh2 Server accepting one public key, or the password over the methods `offered`; it records
  // every authentication attempt.
  const hostKey = generateHostKey();
  const userKey = generateHostKey();
  const allowed = ssh2.utils.parseKey(userKey.publicKey);
  let attempts: string[] = [];
  let offered: ('publickey' | 'password' | 'keyboard-interactive')[] = ['publickey'];
  let server: ssh2.Server;
  let port = 0;

  beforeAll(async () => {
    if (allowed instanceof Error) throw allowed;
    server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (context) => {
        attempts.push(context.method);
        if (context.username !== USER || !offered.includes(context.method as never)) return context.reject(offered);
        if (context.method === 'password') return context.password === PASSWORD ? context.accept() : context.reject(offered);
        if (context.method === 'keyboard-interactive') {
          return context.prompt([{ prompt: 'Password: ', echo: false }], (answers) =>
            answers[0] === PASSWORD ? context.accept() : context.reject(offered),
          );
        }
        if (context.method !== 'publickey') return context.reject(offered);
        const same = context.key.algo === allowed.type && context.key.data.equals(allowed.getPublicSSH());
        if (!same) return context.reject(offered);
        if (context.signature === undefined) return context.accept();
        return allowed.verify(context.blob ?? Buffer.alloc(0), context.signature, context.hashAlgo) === true ? context.accept() : context.reject();
      });
      client.on('ready', () => {
        client.on('session', (accept) => {
          accept().on('subsystem', (acceptSubsystem, reject, info) => {
            if (info.name !== 'netconf') return reject();
            serveNetconf(acceptSubsystem(), 42);
          });
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    attempts = [];
    offered = ['publickey'];
  });

  it('tries a wrong password once, not again over keyboard-interactive', async () => {
    offered = ['password', 'keyboard-interactive'];
    const facts = await runProbe(netconfProbe, tcpTarget(port), { credentials: login('wrong') });
    expect(facts.reason).toBe('auth-failed');
    expect(attempts).toEqual(['none', 'password']);
  });

  it('answers a keyboard-interactive password prompt when the server offers only that', async () => {
    offered = ['keyboard-interactive'];
    const facts = await runProbe(netconfProbe, tcpTarget(port), { credentials: login() });
    expect(facts.reason).toBe('netconf-ok');
    expect(attempts).toEqual(['none', 'keyboard-interactive']);
  });

  it('does not send a password the server does not ask for', async () => {
    const facts = await runProbe(netconfProbe, tcpTarget(port), { credentials: login() });
    expect(facts.reason).toBe('auth-failed');
    expect(attempts).toEqual(['none']);
  });

  it('logs in with a private key', async () => {
    const credentials: HostCredentials = { ssh: { username: USER, privateKey: new Secret(userKey.privateKey) } };
    const facts = await runProbe(netconfProbe, tcpTarget(port), { credentials });
    expect(facts.reason).toBe('netconf-ok');
    expect(facts.evidence?.sessionId).toBe('42');
  });

  it('never sends credentials to a server whose host key does not match the pin', async () => {
    const credentials: HostCredentials = { ssh: { username: USER, privateKey: new Secret(userKey.privateKey) } };
    const facts = await runProbe(netconfProbe, tcpTarget(port), { credentials, options: { hostKey: generateHostKey().fingerprint } });
    expect(facts.reason).toBe('host-key-changed');
    expect(facts.message).toContain('host key changed');
    expect(attempts).toEqual([]);
  });

  it('accepts the pinned host key and goes on to log in', async () => {
    const credentials: HostCredentials = { ssh: { username: USER, privateKey: new Secret(userKey.privateKey) } };
    const facts = await runProbe(netconfProbe, tcpTarget(port), { credentials, options: { hostKey: hostKey.fingerprint } });
    expect(facts.reason).toBe('netconf-ok');
    expect(facts.evidence?.hostKeyPinned).toBe(true);
  });
});

describe('NETCONF hello and framing', () => {
  it('our hello offers both base versions and ends with the EOM marker', () => {
    expect(CLIENT_HELLO).toContain('urn:ietf:params:netconf:base:1.0');
    expect(CLIENT_HELLO).toContain('urn:ietf:params:netconf:base:1.1');
    expect(CLIENT_HELLO.endsWith(']]>]]>')).toBe(true);
    expect(CLIENT_HELLO).not.toContain('session-id');
  });

  it('parses a prefixed hello, keeps the session id as text and decodes entities', () => {
    const parsed = parseServerHello(
      xml,
      '<?xml version="1.0"?><nc:hello xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><nc:capabilities>' +
        '<nc:capability>urn:ietf:params:netconf:base:1.1</nc:capability>' +
        '<nc:capability>urn:x:y?module=m&amp;revision=2020-01-01</nc:capability>' +
        '</nc:capabilities><nc:session-id>0042</nc:session-id></nc:hello>]]>]]>',
    );
    expect(parsed).toEqual({
      ok: true,
      hello: { sessionId: '0042', capabilities: ['urn:ietf:params:netconf:base:1.1', 'urn:x:y?module=m&revision=2020-01-01'] },
    });
  });

  it('refuses a DOCTYPE, a wrong root and a hello without capabilities', () => {
    expect(parseServerHello(xml, '<!DOCTYPE x [<!ENTITY a "b">]><hello/>').ok).toBe(false);
    expect(parseServerHello(xml, '<rpc-reply><ok/></rpc-reply>')).toMatchObject({ ok: false, detail: expect.stringContaining('not <hello>') });
    expect(parseServerHello(xml, '<hello><session-id>1</session-id></hello>')).toMatchObject({ ok: false, detail: 'no <capabilities> in the hello' });
  });

  it('summarizes capabilities', () => {
    const summary = summarizeCapabilities([
      'urn:ietf:params:netconf:base:1.0',
      'urn:ietf:params:netconf:base:1.1',
      'urn:ietf:params:netconf:capability:writable-running:1.0',
      'urn:ietf:params:netconf:capability:yang-library:1.0?revision=2016-06-21&module-set-id=1',
      'http://tail-f.com/ns/netconf/actions/1.0',
      'http://example.com/ns/mod?module=vendor-mod&revision=2021-01-01',
    ]);
    expect(summary).toEqual({
      baseVersions: ['1.0', '1.1'],
      standard: ['writable-running', 'yang-library'],
      vendor: ['http://tail-f.com/ns/netconf/actions/1.0'],
      yangModules: 1,
    });
  });

  it('reads chunked messages split over several chunks, and spots framing errors', () => {
    const one = frameChunked('<rpc-reply><ok/></rpc-reply>');
    const two = Buffer.from('\n#4\n<rpc\n#6\n-reply\n##\nNEXT');
    expect(chunkedMatcher(one)).toBe(one.length);
    expect(chunkedMatcher(one.subarray(0, one.length - 2))).toBe(-1);
    const scan = scanChunked(two);
    expect(scan).toMatchObject({ kind: 'complete', length: two.length - 4 });
    expect(scan.kind === 'complete' && scan.body.toString()).toBe('<rpc-reply');
    expect(scanChunked(Buffer.from('\n#0\nx')).kind).toBe('error');
    expect(scanChunked(Buffer.from('\n#01\nx')).kind).toBe('error');
    expect(scanChunked(Buffer.from('<rpc-reply/>')).kind).toBe('error');
  });
});

describe('netconf probe options', () => {
  it('has a documented default for every option, legacy SSH algorithms off', () => {
    expect(netconfProbe.optionsSchema.parse({})).toEqual({ checkHostKey: true, hostKey: [], legacyAlgorithms: false, closeWaitMs: 1000 });
    expectDocumentedOptions(netconfProbe.optionsSchema);
  });
});

function expectDocumentedOptions(schema: z.ZodType): void {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, { description?: string; default?: unknown }> };
  for (const [key, property] of Object.entries(json.properties ?? {})) {
    expect(property.description, `${key} has a description`).toBeTruthy();
    expect(property.default, `${key} has a default`).not.toBeUndefined();
  }
}
