import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { z } from 'zod';
import { defineReasons } from '../src/core/reasons.js';
import type { BoundedReader, ReadResult } from './kit/bounded-reader.js';
import { inspectCertificate, type CertificateIssue, type CertificateReport } from './protocols/http/certificate.js';
import { PhaseClock } from '../src/core/clock.js';
import { errorText } from '../src/core/errno.js';
import { headMatcher, looksLikeTls, parseHead, requestText, type ResponseHead } from './protocols/http/head.js';
import { printable } from './kit/printable.js';
import { readEndFacts } from './kit/read-end.js';
import { tcpProbe, type TcpConversation } from './kit/tcp-probe.js';
import { classifyTlsError, tlsHandshake, type TlsFailure } from './protocols/http/tls-handshake.js';
import { defineProbe, type Evidence, type Finding, type Outcome, type ProbeTarget, type ReasonOf } from '../src/core/probe.js';

const reasons = defineReasons({
  'http-ok': { outcome: 'ok', summary: 'the web service answered with a 2xx or 3xx status' },
  'http-client-status': {
    outcome: 'ok',
    summary: 'the web service answered 4xx: it is up (401/403 without credentials and 404 on a path an API does not serve are normal)',
  },
  'http-error-status': { outcome: 'fail', summary: 'the web service answered 5xx: it is up but failing (or its backend is down)' },
  'tls-handshake-failed': {
    outcome: 'fail',
    summary: 'the TLS handshake failed (the alert or OpenSSL error is in the evidence): no common version or cipher, SNI refused, client certificate required...',
  },
  'cert-expired': { outcome: 'fail', summary: 'the server certificate has expired (OpenSSL code 10)' },
  'cert-not-yet-valid': {
    outcome: 'fail',
    summary: 'the server certificate is not valid yet (OpenSSL code 9): a clock is wrong on the server or on this host',
  },
  'cert-expiring': { outcome: 'warn', summary: 'the server certificate expires within certWarnDays' },
});

/** Ports where 'auto' speaks TLS: PSM's REST web service (9998) and the usual HTTPS ports. */
const HTTPS_PORTS: ReadonlySet<number> = new Set([443, 8443, 9998]);

const DNS_NAME = /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

const optionsSchema = z
  .object({
    scheme: z
      .enum(['auto', 'http', 'https'])
      .default('auto')
      .describe(
        "'auto' speaks TLS on 443, 8443 and 9998 and plain HTTP elsewhere; it never tries both. A server that answers " +
          'in the other one is reported as unexpected-protocol, with a hint, rather than silently accepted',
      ),
    path: z
      .string()
      .regex(/^\/[\x21-\x7e]*$/, 'an absolute path without spaces or control characters')
      .default('/')
      .describe('Request target (absolute path and optional query)'),
    method: z.enum(['GET', 'HEAD']).default('GET').describe('GET or HEAD; the probe reads only the status line and headers either way'),
    serverName: z
      .string()
      .regex(DNS_NAME, 'a DNS name')
      .or(z.literal(''))
      .default('')
      .describe('Name for SNI, the Host header and the certificate check; empty: the target address (SNI only when it is a name)'),
    certWarnDays: z
      .number()
      .int()
      .min(0)
      .max(3650)
      .default(30)
      .describe('A certificate that expires within this many days is reported as cert-expiring'),
    caFile: z
      .string()
      .default('')
      .describe("PEM file of the CAs that sign the server's certificate (a private PKI); empty: Node's bundled Mozilla roots"),
  })
  .strict();

type Options = z.infer<typeof optionsSchema>;

/**
 * HTTP and HTTPS (PSM REST 9998, dashboard 9000, Graphite 8080, Monit 2812, external web servers).
 *
 * Why not node:http/https: the request is one fixed text and only the status line and headers
 * are wanted, and the probe must keep its byte budget and its one deadline. Node's client parses
 * what its socket delivers with its own limits (16 KiB of headers, whatever the peer sends past
 * them is read anyway) and its own timeouts, and it reports another protocol as an opaque parse
 * error. So the probe writes the request itself and reads the head with the BoundedReader; for
 * HTTPS, tls.connect runs over a ByteBudgetStream around the connectTcp socket, so the TLS
 * handshake bytes count against the same budget and the TCP phase is classified exactly as in
 * every other probe.
 */
const httpProbe = defineProbe({
  kind: 'http',
  transport: 'tcp',
  summary: 'HTTP(S) status and Server header; for HTTPS the TLS version and certificate facts (dates, SANs, chain, host name)',
  optionsSchema,
  reasons,
  async run(target, ctx) {
    const options = ctx.options;
    const port = target.port ?? 80;
    const tls = options.scheme === 'https' || (options.scheme === 'auto' && HTTPS_PORTS.has(port));

    let ca: string[] | undefined;
    if (tls && options.caFile !== '') {
      try {
        ca = [await readFile(options.caFile, 'utf8')];
      } catch (error) {
        return { state: 'error', reason: 'local-error', message: `caFile: ${errorText(error)}`, timings: new PhaseClock().done() };
      }
    }
    return tcpProbe(target, ctx, { port }, (conn) => request(conn, target, options, tls, ca));
  },
});

export default httpProbe;

// ---- helpers ----

type Reason = ReasonOf<typeof reasons>;
type Facts = Outcome<Reason>;

/** The request and the response head, over TLS first when `tls`. */
async function request(conn: TcpConversation, target: ProbeTarget, options: Options, tls: boolean, ca: string[] | undefined): Promise<Facts> {
  const port = target.port ?? 80;
  const isName = net.isIP(target.address) === 0;
  const reference = options.serverName !== '' ? options.serverName : target.address;
  let certificate: CertificateReport | undefined;

  if (tls) {
    const servername = options.serverName !== '' ? options.serverName : isName ? target.address : undefined;
    const handshake = await tlsHandshake(conn.budgetStream(), { ...(servername ? { servername } : {}), ...(ca ? { ca } : {}) }, conn.signal);
    conn.clock.mark('tls');
    if (!handshake.ok) return handshakeFailure(handshake.failure, conn.budgetExhausted);
    conn.upgrade(handshake.socket);
    certificate = inspectCertificate(handshake.socket, reference, options.certWarnDays);
  }

  const reader = conn.reader;
  conn.stream.once('data', () => conn.clock.mark('firstByte'));
  conn.write(requestText({ method: options.method, path: options.path, host: reference, port, defaultPort: tls ? 443 : 80 }));
  const { result, head } = await readFinalHead(reader, conn.signal);
  if (head && result.end === 'matched') conn.clock.mark('headers');

  const base: Evidence = { scheme: tls ? 'https' : 'http', ...certificate?.evidence };
  return headFacts(result, head, conn.budgetExhausted, options, base, certificate?.issues ?? []);
}

/** Interim 1xx responses (103 Early Hints, a stray 100) precede the final one; a few at most. */
const MAX_INTERIM = 4;

async function readFinalHead(
  reader: BoundedReader,
  signal: AbortSignal,
): Promise<{ result: ReadResult; head: ResponseHead | undefined }> {
  for (let interim = 0; ; interim += 1) {
    const result = await reader.read(headMatcher, signal);
    const head = parseHead(result.data);
    const final = head === undefined || head.status >= 200 || head.status === 101 || result.end !== 'matched';
    if (final || interim >= MAX_INTERIM) return { result, head };
  }
}

function headFacts(
  result: ReadResult,
  head: ResponseHead | undefined,
  exhausted: boolean,
  options: Options,
  base: Evidence,
  issues: readonly CertificateIssue[],
): Facts {
  const allFindings = issues.map(toFinding);
  const withFindings = (facts: Facts): Facts => (allFindings.length > 0 ? { ...facts, findings: allFindings } : facts);

  if (exhausted) {
    return withFindings({ ...readEndFacts('limit', 'HTTP response'), evidence: base });
  }
  if (head === undefined) {
    if (result.end === 'reset' && result.errorCode?.startsWith('ERR_SSL_')) {
      // An alert after the handshake: TLS 1.3 servers send certificate_required only now.
      const failure = classifyTlsError(Object.assign(new Error(result.errorCode), { code: result.errorCode }));
      return withFindings({ ...handshakeFailure(failure, exhausted), evidence: { ...base, ...tlsFailureEvidence(failure) } });
    }
    // headMatcher hands over bytes that cannot start a response: another protocol.
    if (result.end === 'matched' && result.data.length > 0) return withFindings(notHttp(result.data, base, options));
    // Otherwise what arrived could still have become a response: closed after N bytes, incomplete...
    const end = result.end === 'matched' ? 'eof' : result.end;
    return withFindings({ ...readEndFacts(end, 'HTTP response', result.errorCode, result.data.length), evidence: base });
  }

  const evidence: Evidence = { ...base, ...headEvidence(head) };
  const statusLine = `${head.status} ${printable(head.statusText, 60)}`.trim();
  if (result.end !== 'matched') {
    // A header block that never ends is no response, whatever its status line says.
    const ended = readEndFacts(result.end, 'header block', result.errorCode, result.data.length);
    return withFindings({ ...ended, message: `HTTP ${statusLine}, but ${lowerFirst(ended.message)}`, evidence });
  }
  const validity = issues.find((issue): issue is CertificateIssue & { readonly code: 'cert-expired' | 'cert-not-yet-valid' } =>
    issue.code === 'cert-expired' || issue.code === 'cert-not-yet-valid');
  const expiring = issues.find((issue): issue is CertificateIssue & { readonly code: 'cert-expiring' } => issue.code === 'cert-expiring');
  let reason: Reason;
  let message: string;
  // The certificate's validity outranks the status: a client that verifies would never see it.
  if (validity) [reason, message] = [validity.code, `${validity.message}; HTTP ${statusLine}`];
  else if (head.status >= 500) [reason, message] = ['http-error-status', statusLine];
  else if (expiring) [reason, message] = [expiring.code, `${expiring.message}; HTTP ${statusLine}`];
  else [reason, message] = [head.status >= 400 ? 'http-client-status' : 'http-ok', statusLine];
  const findings = issues.filter((issue) => issue.code !== reason).map(toFinding);
  return {
    state: 'open',
    reason,
    message,
    evidence,
    ...(findings.length > 0 ? { findings } : {}),
  };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function headEvidence(head: ResponseHead): Evidence {
  const evidence: Record<string, string | number> = {
    status: head.status,
    statusText: printable(head.statusText, 60),
    httpVersion: head.version,
  };
  const server = head.headers.get('server');
  if (server !== undefined) evidence.server = printable(server, 120);
  const location = head.headers.get('location');
  if (location !== undefined && head.status >= 300 && head.status < 400) evidence.location = printable(location, 200);
  const authenticate = head.headers.get('www-authenticate');
  if (authenticate !== undefined && head.status === 401) evidence.authenticate = printable(authenticate, 120);
  return evidence;
}

function notHttp(data: Buffer, base: Evidence, options: Options): Facts {
  const tls = looksLikeTls(data);
  const hint = tls && options.scheme !== 'https' ? '; it speaks TLS: set scheme https' : '';
  return {
    state: 'open',
    reason: 'unexpected-protocol',
    message: `no HTTP response${hint}`,
    evidence: { ...base, firstBytes: data.subarray(0, 16).toString('hex'), firstText: printable(data.subarray(0, 80), 80) },
  };
}

function handshakeFailure(failure: TlsFailure, exhausted: boolean): Facts {
  const evidence: Evidence = { scheme: 'https', ...tlsFailureEvidence(failure) };
  if (exhausted) return { ...readEndFacts('limit', 'TLS handshake'), evidence };
  switch (failure.kind) {
    case 'alert':
      return {
        state: 'open',
        reason: 'tls-handshake-failed',
        message: `TLS alert ${failure.alert ?? '?'} ${failure.alertName ?? ''}`.trim(),
        evidence,
      };
    case 'failed':
      return { state: 'open', reason: 'tls-handshake-failed', message: failure.code ?? 'TLS handshake failed', evidence };
    case 'closed':
      return { state: 'open', reason: 'tls-handshake-failed', message: 'the server closed the connection during the TLS handshake', evidence };
    case 'not-tls':
      return {
        state: 'open',
        reason: 'unexpected-protocol',
        message: `no TLS (${failure.code ?? 'not a TLS record'}): plain HTTP or another protocol on this port; set scheme http if intended`,
        evidence,
      };
    case 'timeout':
      return { ...readEndFacts('timeout', 'TLS handshake answer'), evidence };
    case 'aborted':
      return { ...readEndFacts('aborted', 'TLS handshake'), evidence };
  }
}

function tlsFailureEvidence(failure: TlsFailure): Evidence {
  return {
    ...(failure.code === undefined ? {} : { tlsError: failure.code }),
    ...(failure.alert === undefined ? {} : { tlsAlert: failure.alert }),
    ...(failure.alertName === undefined ? {} : { tlsAlertName: failure.alertName }),
  };
}

function toFinding(issue: CertificateIssue): Finding {
  return { code: issue.code, severity: issue.severity, message: issue.message };
}
