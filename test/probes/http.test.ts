import { X509Certificate } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import httpProbe from '../../probes/http.js';
import { matchesReference, subjectAltNames } from '../../probes/protocols/http/certificate.js';
import { silentTcpPeer, type Peer } from '../support/hostile-peers.js';
import { runProbe, tcpTarget } from '../support/probe-context.js';
import { scriptedTcpPeer } from '../support/scripted-peer.js';
import { testCertificate, type TestCertificate } from '../support/tls-certs.js';

type HttpOptions = Parameters<typeof httpProbe.optionsSchema.parse>[0];

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

interface Seen {
  method?: string;
  url?: string;
  host?: string;
  servername?: string | false | null;
}

/** A real node:http(s) server on loopback; `seen` records the last request and the SNI it got. */
async function webServer(
  options: { certificate?: TestCertificate; chain?: string; tls?: tls.TlsOptions; host?: string },
  respond: (response: http.ServerResponse) => void = (response) => {
    response.setHeader('Server', 'PSM-REST');
    response.end('ok');
  },
): Promise<Peer & { seen: Seen }> {
  const seen: Seen = {};
  const handler: http.RequestListener = (request, response) => {
    Object.assign(seen, { method: request.method, url: request.url, host: request.headers.host });
    const socket = request.socket as tls.TLSSocket;
    if (options.certificate) seen.servername = socket.servername;
    respond(response);
  };
  const server = options.certificate
    ? https.createServer({ key: options.certificate.key, cert: options.chain ?? options.certificate.cert, ...options.tls }, handler)
    : http.createServer(handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const peer = {
    port: (server.address() as net.AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
  peers.push(peer);
  return peer;
}

const probe = (port: number, options: HttpOptions = {}, extra: { timeoutMs?: number; maxBytes?: number; address?: string } = {}) =>
  runProbe(httpProbe, tcpTarget(port, extra.address), {
    options: options as never,
    timeoutMs: extra.timeoutMs ?? 3000,
    ...(extra.maxBytes === undefined ? {} : { maxBytes: extra.maxBytes }),
  });

const codes = (findings: readonly { code: string }[] | undefined): string[] => (findings ?? []).map((finding) => finding.code);

describe('http probe, plain HTTP', () => {
  it('reports the status and Server header, with connect / firstByte / headers timings', async () => {
    const server = await webServer({});
    const facts = await probe(server.port);
    expect(facts).toMatchObject({ state: 'open', reason: 'http-ok', message: '200 OK' });
    expect(facts.evidence).toEqual({ scheme: 'http', status: 200, statusText: 'OK', httpVersion: '1.1', server: 'PSM-REST' });
    expect(Object.keys(facts.timings)).toEqual(expect.arrayContaining(['connect', 'firstByte', 'headers', 'total']));
    expect(server.seen).toMatchObject({ method: 'GET', url: '/', host: `127.0.0.1:${server.port}` });
  });

  it('sends HEAD and the configured path', async () => {
    const server = await webServer({});
    await probe(server.port, { method: 'HEAD', path: '/rest/health?x=1' });
    expect(server.seen).toMatchObject({ method: 'HEAD', url: '/rest/health?x=1' });
  });

  it.each([
    [301, 'http-ok', { location: '/login' }],
    [401, 'http-client-status', { authenticate: 'Basic realm="monit"' }],
    [404, 'http-client-status', {}],
    [503, 'http-error-status', {}],
  ])('maps status %i to %s', async (status, reason, extra) => {
    const server = await webServer({}, (response) => {
      response.statusCode = status;
      if (status === 301) response.setHeader('Location', '/login');
      if (status === 401) response.setHeader('WWW-Authenticate', 'Basic realm="monit"');
      response.end();
    });
    const facts = await probe(server.port);
    expect(facts.reason).toBe(reason);
    expect(facts.evidence).toMatchObject({ status, ...extra });
  });

  it('skips interim 1xx responses', async () => {
    const peer = await scriptedTcpPeer((socket) =>
      socket.once('data', () =>
        socket.end('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nServer: graphite\r\n\r\n'),
      ),
    );
    peers.push(peer);
    const facts = await probe(peer.port);
    expect(facts.evidence).toMatchObject({ status: 200, server: 'graphite' });
  });

  it('reports another protocol as unexpected-protocol, and a TLS answer with a hint', async () => {
    const ssh = await scriptedTcpPeer((socket) => socket.write('SSH-2.0-OpenSSH_9.2p1\r\n'));
    // A TLS alert record (fatal, protocol_version), as some TLS servers answer plain text.
    const tlsOnly = await scriptedTcpPeer((socket) => socket.once('data', () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]))));
    peers.push(ssh, tlsOnly);
    const sshFacts = await probe(ssh.port);
    expect(sshFacts).toMatchObject({ reason: 'unexpected-protocol', evidence: { firstText: 'SSH-2.0-OpenSSH_9.2p1' } });
    const tlsFacts = await probe(tlsOnly.port);
    expect(tlsFacts.reason).toBe('unexpected-protocol');
    expect(tlsFacts.message).toContain('set scheme https');
  });

  it('tells silence from a close before the response', async () => {
    const silent = await silentTcpPeer();
    const closing = await scriptedTcpPeer((socket) => socket.once('data', () => socket.end()));
    peers.push(silent, closing);
    expect((await probe(silent.port, {}, { timeoutMs: 300 })).reason).toBe('no-banner');
    expect((await probe(closing.port)).reason).toBe('closed-before-banner');
  });

  it('validates its options', () => {
    expect(httpProbe.optionsSchema.parse({})).toEqual({
      scheme: 'auto',
      path: '/',
      method: 'GET',
      serverName: '',
      certWarnDays: 30,
      caFile: '',
    });
    expect(() => httpProbe.optionsSchema.parse({ path: '/a b' })).toThrow();
    expect(() => httpProbe.optionsSchema.parse({ path: '/\r\nX-Injected: 1' })).toThrow();
    expect(() => httpProbe.optionsSchema.parse({ serverName: 'a b' })).toThrow();
  });
});

describe('http probe against broken responses (a broken peer never passes)', () => {
  const answering = async (answer: (socket: net.Socket) => void): Promise<number> => {
    const peer = await scriptedTcpPeer((socket) => socket.once('data', () => answer(socket)));
    peers.push(peer);
    return peer.port;
  };

  it('a header block that never ends is incomplete, not a 200', async () => {
    const port = await answering((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nServer: slowloris\r\n');
      const timer = setInterval(() => socket.write('X-Padding: more\r\n'), 50);
      socket.on('close', () => clearInterval(timer));
    });
    const facts = await probe(port, {}, { timeoutMs: 500 });
    expect(facts).toMatchObject({ state: 'open', reason: 'incomplete-banner', evidence: { status: 200, server: 'slowloris' } });
    expect(facts.message).toContain('HTTP 200 OK, but');
  });

  it('a header block past the byte limit is response-too-large, not a 200', async () => {
    const port = await answering((socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      const pump = (): void => {
        while (!socket.destroyed && socket.write(`X-Padding: ${'a'.repeat(1000)}\r\n`));
        if (!socket.destroyed) socket.once('drain', pump);
      };
      pump();
    });
    const facts = await probe(port, {}, { maxBytes: 8192 });
    expect(facts).toMatchObject({ state: 'open', reason: 'response-too-large' });
    expect(facts.bytesRead).toBeLessThanOrEqual(8192);
  });

  it('a header block cut off by a close is closed after N bytes, not a 200', async () => {
    const port = await answering((socket) => socket.end('HTTP/1.1 200 OK\r\nServer: x\r\n'));
    const facts = await probe(port);
    expect(facts).toMatchObject({ state: 'open', reason: 'closed-mid-banner', evidence: { status: 200 } });
  });

  it.each([['H'], ['X']])('a peer that sends one byte (%s) and closes: closed after 1 byte', async (byte) => {
    const port = await answering((socket) => socket.end(byte));
    const facts = await probe(port);
    expect(facts).toMatchObject({ state: 'open', reason: 'closed-mid-banner' });
    expect(facts.message).toContain('after 1 byte,');
  });
});

describe('http probe, HTTPS', () => {
  let selfSigned: TestCertificate;
  let ca: TestCertificate;
  let caSigned: TestCertificate;
  let dir: string;
  let caFile: string;

  beforeAll(async () => {
    [selfSigned, ca] = await Promise.all([
      testCertificate({ commonName: 'psm.example', dns: ['psm.example'], ips: ['127.0.0.1', '::1'] }),
      testCertificate({ commonName: 'Lab Root CA', isCa: true, toDays: 3650 }),
    ]);
    caSigned = await testCertificate({ commonName: 'psm.example', dns: ['psm.example'], ips: ['127.0.0.1'], ca });
    dir = await mkdtemp(join(tmpdir(), 'http-probe-'));
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, ca.cert);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports TLS and certificate facts of a self-signed server, with only an info finding', async () => {
    const server = await webServer({ certificate: selfSigned });
    const facts = await probe(server.port, { scheme: 'https' });
    expect(facts).toMatchObject({ state: 'open', reason: 'http-ok' });
    expect(facts.evidence).toMatchObject({
      scheme: 'https',
      status: 200,
      tlsVersion: 'TLSv1.3',
      certSubjectCn: 'psm.example',
      certSans: ['DNS:psm.example', 'IP:127.0.0.1', 'IP:0:0:0:0:0:0:0:1'],
      certIssuer: 'CN=psm.example',
      certSelfSigned: true,
      certHostnameChecked: '127.0.0.1',
      certHostnameMatch: true,
      certChainVerified: false,
      certChainError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      certChainErrorCode: 18,
    });
    expect(facts.evidence?.certDaysUntilExpiry).toBeGreaterThanOrEqual(363);
    expect(facts.findings).toEqual([{ code: 'cert-self-signed', severity: 'info', message: expect.any(String) }]);
    expect(Object.keys(facts.timings)).toEqual(expect.arrayContaining(['connect', 'tls', 'firstByte', 'headers']));
    // An IP target: no SNI (RFC 6066 allows only host names there).
    expect(server.seen.servername).toBe(false);
  });

  it('reports an expired certificate as cert-expired, keeping the HTTP status as evidence', async () => {
    const expired = await testCertificate({ dns: ['psm.example'], ips: ['127.0.0.1'], fromDays: -30, toDays: -1 });
    const server = await webServer({ certificate: expired });
    const facts = await probe(server.port, { scheme: 'https' });
    expect(facts.reason).toBe('cert-expired');
    expect(facts.evidence).toMatchObject({ status: 200, certChainError: 'CERT_HAS_EXPIRED', certChainErrorCode: 10 });
    expect(facts.evidence?.certDaysUntilExpiry).toBeLessThan(0);
    expect(codes(facts.findings)).toEqual(['cert-self-signed']);
  });

  it('reports a certificate from the future as cert-not-yet-valid', async () => {
    const future = await testCertificate({ ips: ['127.0.0.1'], fromDays: 2, toDays: 30 });
    const server = await webServer({ certificate: future });
    const facts = await probe(server.port, { scheme: 'https' });
    expect(facts.reason).toBe('cert-not-yet-valid');
    expect(facts.evidence?.certChainErrorCode).toBe(9);
  });

  it('reports a certificate that expires within certWarnDays as cert-expiring', async () => {
    const soon = await testCertificate({ ips: ['127.0.0.1'], toDays: 10 });
    const server = await webServer({ certificate: soon });
    expect((await probe(server.port, { scheme: 'https' })).reason).toBe('cert-expiring');
    expect((await probe(server.port, { scheme: 'https', certWarnDays: 5 })).reason).toBe('http-ok');
  });

  it('checks the host name against SANs only, and sends serverName as SNI and Host', async () => {
    const cnOnly = await testCertificate({ commonName: '127.0.0.1' });
    const other = await testCertificate({ dns: ['other.example'] });
    const cnServer = await webServer({ certificate: cnOnly });
    const otherServer = await webServer({ certificate: other });

    const byCn = await probe(cnServer.port, { scheme: 'https' });
    expect(byCn.evidence?.certHostnameMatch).toBe(false);
    expect(byCn.findings?.find((finding) => finding.code === 'cert-hostname-mismatch')?.message).toContain('CN does not count');

    const mismatch = await probe(otherServer.port, { scheme: 'https' });
    expect(codes(mismatch.findings)).toEqual(['cert-self-signed', 'cert-hostname-mismatch']);
    const named = await probe(otherServer.port, { scheme: 'https', serverName: 'other.example' });
    expect(named.evidence).toMatchObject({ certHostnameChecked: 'other.example', certHostnameMatch: true });
    expect(otherServer.seen).toMatchObject({ servername: 'other.example', host: `other.example:${otherServer.port}` });
  });

  it('sends the target name as SNI when the target is a name', async () => {
    const { address } = await lookup('localhost');
    const server = await webServer({ certificate: selfSigned, host: address });
    const facts = await probe(server.port, { scheme: 'https' }, { address: 'localhost' });
    expect(facts.reason).toBe('http-ok');
    expect(server.seen.servername).toBe('localhost');
    expect(facts.evidence).toMatchObject({ certHostnameChecked: 'localhost', certHostnameMatch: false });
  });

  it('verifies a chain against caFile, and names the chain error without it', async () => {
    const server = await webServer({ certificate: caSigned });
    const trusted = await probe(server.port, { scheme: 'https', caFile });
    expect(trusted.reason).toBe('http-ok');
    expect(trusted.evidence).toMatchObject({ certChainVerified: true, certChainError: null, certSelfSigned: false, certIssuer: 'CN=Lab Root CA' });
    expect(trusted.findings).toBeUndefined();

    const untrusted = await probe(server.port, { scheme: 'https' });
    expect(untrusted.evidence).toMatchObject({ certChainVerified: false, certChainError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', certChainErrorCode: 21 });
    expect(codes(untrusted.findings)).toEqual(['cert-chain-untrusted']);
  });

  it('reports an unreadable caFile as a local error without connecting', async () => {
    const facts = await probe(1, { scheme: 'https', caFile: join(dir, 'missing.pem') });
    expect(facts).toMatchObject({ state: 'error', reason: 'local-error', message: 'caFile: ENOENT' });
  });

  it('reports a handshake alert (TLS 1.2, client certificate required) as tls-handshake-failed', async () => {
    const server = await webServer({ certificate: selfSigned, tls: { requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' } });
    const facts = await probe(server.port, { scheme: 'https' });
    expect(facts).toMatchObject({ state: 'open', reason: 'tls-handshake-failed', evidence: { tlsAlert: 40, tlsAlertName: 'handshake_failure' } });
  });

  it('reports the TLS 1.3 certificate_required alert that comes after the handshake, with the certificate facts', async () => {
    const server = await webServer({ certificate: selfSigned, tls: { requestCert: true, rejectUnauthorized: true } });
    const facts = await probe(server.port, { scheme: 'https' });
    expect(facts).toMatchObject({ reason: 'tls-handshake-failed', evidence: { tlsAlert: 116, certSelfSigned: true } });
  });

  it("reports a plain HTTP server on an HTTPS port as unexpected-protocol ('auto' takes 9998 as HTTPS)", async () => {
    const server = await webServer({});
    const facts = await probe(server.port, { scheme: 'https' });
    expect(facts.reason).toBe('unexpected-protocol');
    expect(facts.message).toContain('set scheme http');
  });

  it('keeps the TLS handshake inside the byte budget', async () => {
    // A chain padded with copies of the CA: several KiB of handshake before any HTTP.
    const server = await webServer({ certificate: caSigned, chain: [caSigned.cert, ...Array<string>(12).fill(ca.cert)].map((pem) => pem.trim()).join('\n') });
    const facts = await probe(server.port, { scheme: 'https' }, { maxBytes: 2048 });
    expect(facts.reason).toBe('response-too-large');
    expect(facts.bytesRead).toBeLessThanOrEqual(2048);
  });

  it('stops a silent TLS server at the deadline', async () => {
    const silent = await silentTcpPeer();
    peers.push(silent);
    expect((await probe(silent.port, { scheme: 'https' }, { timeoutMs: 300 })).reason).toBe('no-banner');
  });
});

describe('certificate host name rules (RFC 9525)', () => {
  let cert: X509Certificate;
  let cnOnly: X509Certificate;
  beforeAll(async () => {
    const pem = await testCertificate({ commonName: 'cn.example', dns: ['*.example.net', 'psm.example', 'f*.example.org'], ips: ['127.0.0.1', '::1'] });
    cert = new X509Certificate(pem.cert);
    cnOnly = new X509Certificate((await testCertificate({ commonName: 'cn.example' })).cert);
  });

  it.each([
    ['a.example.net', true],
    ['b.a.example.net', false],
    ['example.net', false],
    ['PSM.Example.', true],
    ['foo.example.org', false],
    ['cn.example', false],
    ['127.0.0.1', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['127.0.0.2', false],
  ])('%s matches: %s', (reference, expected) => {
    expect(matchesReference(cert, reference)).toBe(expected);
  });

  it('never falls back to the CN', () => {
    expect(matchesReference(cnOnly, 'cn.example')).toBe(false);
  });

  it('splits Node subjectAltName text, quoted entries included', () => {
    expect(subjectAltNames('DNS:a.example, IP Address:127.0.0.1, DNS:"we,ird"')).toEqual(['DNS:a.example', 'IP:127.0.0.1', 'DNS:we,ird']);
    expect(subjectAltNames(undefined)).toEqual([]);
  });
});
