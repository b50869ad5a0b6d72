import type { Socket } from 'node:net';
import type { ClientChannel } from 'ssh2';
import { z } from 'zod';
import type { SshLogin } from '../src/core/credentials.js';
import { defineReasons } from '../src/core/reasons.js';
import { BoundedReader, delimiterMatcher, type ReadResult } from './kit/bounded-reader.js';
import { PhaseClock } from '../src/core/clock.js';
import { libraryFailureFacts } from './kit/lazy-module.js';
import { chunkedMatcher, END_OF_MESSAGE, frameChunked, frameEom, scanChunked } from './protocols/netconf/framing.js';
import {
  CLIENT_HELLO,
  CLOSE_SESSION_RPC,
  loadXmlLibrary,
  parseServerHello,
  summarizeCapabilities,
  type XmlLibrary,
} from './protocols/netconf/hello.js';
import { startSshClient, type SshClientHandle, type SshFailure } from './protocols/ssh/client.js';
import { connectionEvidence, openSshConnection, type SshConnection } from './protocols/ssh/connection.js';
import { normalizePins } from './protocols/ssh/host-key.js';
import { loadSsh2, type Ssh2 } from './protocols/ssh/library.js';
import { unusableKey } from './protocols/ssh/login.js';
import {
  checkSshTransport,
  findingsOf,
  SSH_TRANSPORT_REASONS,
  sshSessionEvidence,
  sshTransportOptionFields,
} from './protocols/ssh/transport.js';
import { defineProbe, type Evidence, type Finding, type Outcome, type ProbeContext, type ProbeFacts, type ProbeTarget, type ReasonOf } from '../src/core/probe.js';

/**
 * NETCONF over SSH (RFC 6242; BTI7800 on 2022, Juniper MX on 830): SSH login with the host's
 * `ssh` credentials, the `netconf` subsystem, our hello at once (RFC 6242 §3.1: do not wait for
 * the server's), the server's hello with its capabilities, then `<close-session/>`.
 * Without credentials it checks the SSH transport only (identification, host key) and says so.
 *
 * Evidence: the ssh probe's (identification, host key, algorithms), then sessionId, baseVersions,
 * framing (chunked / end-of-message), capabilityCount, capabilities (short names of the standard
 * ones: candidate, startup, notification, yang-library...), vendorCapabilities (e.g.
 * http://xml.juniper.net/...), yangModuleCount, closeSession (ok / rpc-error / no-reply / closed).
 * Findings: the ssh probe's, netconf-no-session-id.
 */

const NETCONF_REASONS = defineReasons({
  'netconf-ok': { outcome: 'ok', summary: "NETCONF answered: SSH login, netconf subsystem and the server's hello" },
  'auth-failed': {
    outcome: 'fail',
    summary: 'SSH is up, but the server refused the credentials (user, password or key; or the account may not use SSH)',
  },
  'auth-timeout': {
    outcome: 'fail',
    retryable: true,
    summary: 'SSH key exchange done, but the login did not finish before the deadline (a slow RADIUS/TACACS+ behind the device?)',
  },
  'closed-during-auth': {
    outcome: 'fail',
    summary: 'the server closed the SSH connection during login (too many attempts, a source ACL, or the service failed)',
  },
  'credentials-unusable': {
    outcome: 'fail',
    summary: 'the SSH credentials in the inventory cannot be used (a private key that does not parse, or a wrong passphrase)',
  },
  'subsystem-refused': {
    outcome: 'fail',
    summary: 'logged in, but the server refused the netconf subsystem: NETCONF is not enabled on this port',
  },
  'no-hello': {
    outcome: 'fail',
    retryable: true,
    summary: "the netconf subsystem was requested, but the server's hello did not come before the deadline",
  },
  'closed-before-hello': { outcome: 'fail', summary: 'the server closed the NETCONF session before sending its hello' },
  'malformed-hello': { outcome: 'fail', summary: "the server's hello is not a valid NETCONF hello (XML or structure)" },
  'no-common-base': {
    outcome: 'fail',
    summary: "the server's hello lists neither base:1.0 nor base:1.1: no NETCONF version in common",
  },
});

const optionsSchema = z
  .object({
    ...sshTransportOptionFields({ legacyAlgorithms: false, logsIn: true }),
    closeWaitMs: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(1000)
      .describe('How long to wait for <ok/> after <close-session/> (within the deadline); the answer is evidence only'),
  })
  .strict();

type Options = z.infer<typeof optionsSchema>;
const REASONS = { ...NETCONF_REASONS, ...SSH_TRANSPORT_REASONS };
type Reason = ReasonOf<typeof REASONS>;
type Failure = SshFailure<Reason>;

const netconfProbe = defineProbe({
  kind: 'netconf',
  transport: 'tcp',
  summary: 'NETCONF over SSH: login, netconf subsystem, server hello and capabilities (SSH transport only without credentials)',
  optionsSchema,
  reasons: REASONS,
  async prepare() {
    await Promise.all([loadSsh2(), loadXmlLibrary()]);
  },
  async run(target, ctx) {
    const login = ctx.credentials.ssh;
    const usable = login !== undefined && (login.password !== undefined || login.privateKey !== undefined);
    // Before the clock starts: only the first probe of the process waits for them, and not on the network.
    const [ssh2, xml] = await Promise.all([loadSsh2(), usable ? loadXmlLibrary() : undefined]);
    const clock = new PhaseClock();
    if (!ssh2.ok) return libraryFailureFacts(ssh2, clock);
    if (xml?.ok === false) return libraryFailureFacts(xml, clock);
    // A key ssh2 cannot parse would be skipped silently and look like refused credentials: say so
    // before any packet is sent.
    const badKey = usable ? unusableKey(ssh2.module, login) : undefined;
    if (badKey !== undefined) {
      return { state: 'error', reason: 'credentials-unusable', message: `the SSH private key cannot be used: ${badKey}`, timings: clock.done() };
    }
    const opened = await openSshConnection(target, ctx, clock);
    if (!opened.ok) return opened.facts;
    return usable && xml?.ok === true
      ? netconfSession({ ssh2: ssh2.module, xml: xml.module }, opened.value, login, ctx, clock)
      : transportOnly(ssh2.module, opened.value, target, ctx, clock);
  },
});

export default netconfProbe;

async function transportOnly(
  ssh2: Ssh2,
  conn: SshConnection,
  target: ProbeTarget,
  ctx: ProbeContext<Options>,
  clock: PhaseClock,
): Promise<ProbeFacts<Reason>> {
  const transport = await checkSshTransport(ssh2, conn, ctx, clock, ctx.options);
  if (transport.reason !== 'ssh-ok') return { ...transport, reason: transport.reason };
  return {
    ...transport,
    reason: 'not-tested-missing-credentials',
    message: `SSH transport verified (${transport.message ?? 'SSH-2'}); NETCONF itself was not verified: no ssh credentials for ${target.host}`,
  };
}

interface Libraries {
  readonly ssh2: Ssh2;
  readonly xml: XmlLibrary;
}

async function netconfSession(
  libraries: Libraries,
  conn: SshConnection,
  login: SshLogin,
  ctx: ProbeContext<Options>,
  clock: PhaseClock,
): Promise<ProbeFacts<Reason>> {
  const pins = normalizePins(ctx.options.hostKey);
  const handle = startSshClient(libraries.ssh2, conn, ctx, clock, { pins, legacyAlgorithms: ctx.options.legacyAlgorithms }, login);
  const facts = (result: Outcome<Reason>): ProbeFacts<Reason> => {
    handle.close();
    const { findings: own, ...rest } = result;
    const all: Finding[] = [...(findingsOf(conn, handle).findings ?? []), ...(own ?? [])];
    return {
      ...rest,
      timings: clock.done(),
      bytesRead: handle.bytesRead(),
      evidence: { ...connectionEvidence(conn), ...sshSessionEvidence(handle, pins), ...result.evidence },
      ...(all.length === 0 ? {} : { findings: all }),
    };
  };

  const failed = (await handle.kexDone) ?? (await handle.authDone);
  if (failed !== undefined) {
    const evidence: Evidence = failed.reason === 'kex-failed' ? { serverAlgorithms: handle.serverAlgorithms() } : {};
    return facts({ ...failed, evidence });
  }

  const subsystem = await openSubsystem(handle, ctx.signal);
  clock.mark('subsystem');
  if (!subsystem.ok) return facts(subsystem.failure);
  const channel = subsystem.channel;
  // Our hello goes out at once; the server sends its own without waiting for ours (§3.1).
  channel.write(CLIENT_HELLO);
  // ssh2's channel is a Duplex with the events BoundedReader uses ('data', 'end', 'error', 'close').
  const reader = new BoundedReader(channel as unknown as Socket, ctx.maxBytes);
  const read = await reader.read(delimiterMatcher(END_OF_MESSAGE), ctx.signal);
  clock.mark('hello');
  if (read.end !== 'matched') return facts(helloFailure(read, handle));

  const parsed = parseServerHello(libraries.xml, read.data.toString('utf8'));
  if (!parsed.ok) return facts({ state: 'open', reason: 'malformed-hello', message: parsed.detail });
  const { hello } = parsed;
  const summary = summarizeCapabilities(hello.capabilities);
  const evidence: Evidence = {
    ...(hello.sessionId === undefined ? {} : { sessionId: hello.sessionId }),
    baseVersions: summary.baseVersions,
    capabilityCount: hello.capabilities.length,
    capabilities: summary.standard,
    ...(summary.vendor.length === 0 ? {} : { vendorCapabilities: summary.vendor }),
    yangModuleCount: summary.yangModules,
  };
  const findings: Finding[] =
    hello.sessionId === undefined
      ? [{ code: 'netconf-no-session-id', severity: 'warn', message: 'the server hello has no <session-id> (RFC 6241 §8.1 requires one)' }]
      : [];
  if (!summary.baseVersions.includes('1.0') && !summary.baseVersions.includes('1.1')) {
    return facts({
      state: 'open',
      reason: 'no-common-base',
      message: `the server offers base ${summary.baseVersions.join(', ') || 'none'}; we speak 1.0 and 1.1`,
      evidence,
    });
  }

  // Both sides announced 1.1 (we always do): chunked framing from here on (RFC 6242 §4.1).
  const chunked = summary.baseVersions.includes('1.1');
  const closeSession = await closeNetconfSession(channel, reader, chunked, ctx);
  clock.mark('close');
  const versions = summary.baseVersions.join('/');
  return facts({
    state: 'open',
    reason: 'netconf-ok',
    message: `NETCONF base ${versions}, session ${hello.sessionId ?? '?'}, ${hello.capabilities.length} capabilities`,
    evidence: { ...evidence, framing: chunked ? 'chunked' : 'end-of-message', closeSession },
    findings,
  });
}

function openChannel(handle: SshClientHandle): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    // subsys() throws when the connection is already gone; the rejection carries that too.
    try {
      handle.client.subsys('netconf', (error, channel) => (error ? reject(error) : resolve(channel)));
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

type SubsystemResult = { readonly ok: true; readonly channel: ClientChannel } | { readonly ok: false; readonly failure: Failure };

/** Requests the netconf subsystem until the deadline; a refusal is NETCONF not enabled on the port. */
async function openSubsystem(handle: SshClientHandle, signal: AbortSignal): Promise<SubsystemResult> {
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const channel = await Promise.race([openChannel(handle), aborted]);
    if (channel !== 'aborted') return { ok: true, channel };
  } catch (error) {
    const broken = handle.brokenBy();
    if (broken !== undefined) return { ok: false, failure: broken };
    const detail = error instanceof Error ? error.message.slice(0, 200) : 'refused';
    return { ok: false, failure: { state: 'open', reason: 'subsystem-refused', message: `the server refused the netconf subsystem: ${detail}` } };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return {
    ok: false,
    failure: handle.brokenBy() ?? { state: 'open', reason: 'no-hello', message: 'the netconf subsystem did not start before the deadline' },
  };
}

function helloFailure(read: ReadResult, handle: SshClientHandle): Failure {
  const broken = handle.brokenBy();
  if (broken?.reason === 'response-too-large' || read.end === 'limit') {
    return { state: 'open', reason: 'response-too-large', message: 'the hello exceeded the byte limit' };
  }
  switch (read.end) {
    case 'aborted':
      return { state: 'error', reason: 'aborted', message: 'run interrupted' };
    case 'timeout':
      return {
        state: 'open',
        reason: 'no-hello',
        message: read.data.length === 0 ? 'no hello before the deadline' : `only ${read.data.length} bytes of the hello before the deadline`,
      };
    default:
      return {
        state: 'open',
        reason: 'closed-before-hello',
        message:
          read.data.length === 0
            ? 'the server closed the session without a hello'
            : `the server closed the session after ${read.data.length} bytes, before the end of its hello`,
      };
  }
}

/** `<close-session/>` and a short wait for `<ok/>`; the answer is evidence, never the verdict. */
async function closeNetconfSession(
  channel: ClientChannel,
  reader: BoundedReader,
  chunked: boolean,
  ctx: ProbeContext<Options>,
): Promise<string> {
  channel.write(chunked ? frameChunked(CLOSE_SESSION_RPC) : frameEom(CLOSE_SESSION_RPC));
  if (ctx.options.closeWaitMs === 0) return 'not-awaited';
  const wait = AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.options.closeWaitMs)]);
  const reply = await reader.read(chunked ? chunkedMatcher : delimiterMatcher(END_OF_MESSAGE), wait);
  if (reply.end !== 'matched') return reply.end === 'eof' ? 'closed' : 'no-reply';
  const scan = chunked ? scanChunked(reply.data) : undefined;
  const text = scan === undefined ? reply.data.toString('utf8') : scan.kind === 'complete' ? scan.body.toString('utf8') : '';
  if (/<(?:[A-Za-z_][\w.-]*:)?ok\s*\/?>/.test(text)) return 'ok';
  return /rpc-error/.test(text) ? 'rpc-error' : 'unexpected-reply';
}
