import { z } from 'zod';
import { PhaseClock } from '../src/core/clock.js';
import type { SnmpV2c, SnmpV3 } from '../src/core/credentials.js';
import { defineProbe, type EvidenceValue, type ProbeFacts, type ReasonOf } from '../src/core/probe.js';
import { defineReasons } from '../src/core/reasons.js';
import { libraryFailureFacts } from './kit/lazy-module.js';
import { remainingMs, udpFailureFacts } from './kit/udp-exchange.js';
import { SnmpChannel } from './protocols/snmp/channel.js';
import { isAccessDenied, randomId, v3DiscoveryMessage } from './protocols/snmp/message.js';
import { scalarInstance, SYSTEM_GROUP } from './protocols/snmp/oids.js';
import { loadNetSnmp, type NetSnmp, openSession, type RequestOutcome, type Varbind } from './protocols/snmp/session.js';
import { engineEvidence } from './protocols/snmp/usm-reports.js';

const NAMES: ReadonlyMap<string, string> = new Map(Object.entries(SYSTEM_GROUP).map(([name, oid]) => [scalarInstance(oid), name]));
const SYSTEM_OIDS = (['sysDescr', 'sysObjectID', 'sysName', 'sysUpTime'] as const).map((name) => scalarInstance(SYSTEM_GROUP[name]));

const optionsSchema = z
  .object({
    oids: z
      .array(z.string().regex(/^\d+(?:\.\d+)+$/, 'a numeric OID such as 1.3.6.1.2.1.1.5.0'))
      .min(1)
      .max(16)
      .default(SYSTEM_OIDS)
      .describe('Objects to GET; the defaults are sysDescr.0, sysObjectID.0, sysName.0 and sysUpTime.0 (read-only, always present).'),
    discoverOnSilence: z
      .boolean()
      .default(true)
      .describe(
        'When the v2c GET gets no answer, send the credential-free SNMPv3 engine-ID discovery, to tell ' +
          '"agent up but ignores this community" from silence. The GET has half the time left before it is sent.',
      ),
  })
  .strict();

type Options = z.infer<typeof optionsSchema>;

const SNMP_REASONS = defineReasons({
  'snmp-response': { outcome: 'ok', summary: "the agent answered the GET with the inventory's credentials" },
  'community-ignored': {
    outcome: 'fail',
    summary: 'the agent answers SNMPv3 discovery but ignored the v2c GET: wrong community, or its ACL excludes this source',
  },
  'unknown-user': { outcome: 'fail', summary: 'SNMPv3: the agent does not know this user (usmStatsUnknownUserNames)' },
  'wrong-digest': {
    outcome: 'fail',
    summary: 'SNMPv3: authentication failed, wrong auth key or protocol (usmStatsWrongDigests)',
  },
  'unsupported-security-level': {
    outcome: 'fail',
    summary: 'SNMPv3: the user does not support this security level (usmStatsUnsupportedSecLevels)',
  },
  'not-in-time-window': {
    outcome: 'fail',
    summary: 'SNMPv3: the agent kept reporting the message outside its time window (usmStatsNotInTimeWindows)',
  },
  'decryption-error': {
    outcome: 'fail',
    summary: 'SNMPv3: the agent could not decrypt the request, wrong privacy key or protocol (usmStatsDecryptionErrors)',
  },
  'unknown-engine-id': { outcome: 'fail', summary: 'SNMPv3: the agent rejected the engine ID (usmStatsUnknownEngineIDs)' },
  'authorization-error': {
    outcome: 'fail',
    summary: "credentials accepted, but the agent's access control (VACM) does not allow reading these objects",
  },
  'snmp-error-status': { outcome: 'fail', summary: 'the agent answered the GET with an error status' },
  'snmp-v3-failed': { outcome: 'fail', summary: 'the SNMPv3 exchange failed (see message)' },
  'snmp-v3-no-response': {
    outcome: 'fail',
    summary:
      "the agent answered SNMPv3 discovery but not the authenticated GET: it drops this user's messages (check keys, protocols, ACL)",
  },
});

type Reason = ReasonOf<typeof SNMP_REASONS>;
type Facts = ProbeFacts<Reason>;

const SILENCE = 'no answer: filtered, agent down, or an agent that ignores this community and has no SNMPv3';
const DISCOVERY_SILENCE = 'no answer to SNMPv3 discovery: filtered, agent down, or v1/v2c only';

/**
 * SNMP on UDP 161: a read-only GET of the system group with the inventory's credentials, through
 * net-snmp, on one connected socket (protocols/snmp/channel.ts: a closed port shows as closed).
 * The credential-free SNMPv3 discovery explains silence: "up, but ignores this community".
 * Never sends a SET.
 */
const snmpProbe = defineProbe({
  kind: 'snmp',
  transport: 'udp',
  summary: 'SNMP GET of sysDescr/sysObjectID/sysName/sysUpTime (v2c or v3), SNMPv3 discovery to explain silence',
  optionsSchema,
  reasons: SNMP_REASONS,
  async prepare() {
    await loadNetSnmp();
  },
  async run(target, ctx) {
    const credentials = ctx.credentials.snmp;
    // Loaded before the clock starts: only the first probe of the process waits for it, not on the network.
    const netSnmp = credentials === undefined ? undefined : await loadNetSnmp();
    const clock = new PhaseClock();
    if (netSnmp?.ok === false) return libraryFailureFacts(netSnmp, clock);
    const port = target.port ?? 161;
    const opened = await SnmpChannel.open(target.address, port, ctx, clock);
    if (!opened.ok) return udpFailureFacts(opened, clock);
    const channel = opened.channel;
    try {
      if (credentials === undefined || netSnmp === undefined) return await discoveryOnly(channel, clock);
      const get = { port, timeoutMs: ctx.timeoutMs, oids: ctx.options.oids };
      return credentials.version === '2c'
        ? await v2cGet(netSnmp.module, channel, credentials, get, ctx.options, clock)
        : await v3Get(netSnmp.module, channel, credentials, get, clock);
    } finally {
      channel.close();
    }
  },
});

export default snmpProbe;

interface Get {
  readonly port: number;
  readonly timeoutMs: number;
  readonly oids: readonly string[];
}

/** No credentials: the discovery shows the port open and names the engine. */
async function discoveryOnly(channel: SnmpChannel, clock: PhaseClock): Promise<Facts> {
  const failed = await sendDiscovery(channel, clock);
  if (failed !== undefined) return failed;
  const waited = await channel.waitForReport();
  if (waited.kind === 'ended') return channel.endedFacts(waited.end, clock, { message: DISCOVERY_SILENCE });
  return {
    state: 'open',
    reason: 'not-tested-missing-credentials',
    message: 'the agent answered SNMPv3 discovery; no SNMP credentials in the inventory to try a GET',
    timings: clock.done(),
    bytesRead: channel.exchange.bytesRead,
    evidence: { ...engineEvidence(waited.report), ...channel.evidence() },
  };
}

/** The hand-built, credential-free discovery (RFC 3414 §4); facts only when it could not be sent. */
async function sendDiscovery(channel: SnmpChannel, clock: PhaseClock): Promise<Facts | undefined> {
  const msgId = randomId();
  const failed = await channel.sendOwn(v3DiscoveryMessage(msgId, randomId()), msgId);
  return failed === undefined ? undefined : channel.failureFacts(failed, clock);
}

async function v2cGet(snmp: NetSnmp, channel: SnmpChannel, credentials: SnmpV2c, get: Get, options: Options, clock: PhaseClock): Promise<Facts> {
  const opened = openSession(snmp, channel, { version: '2c', community: credentials.community.reveal() }, get);
  if (!opened.ok) return { state: 'error', reason: 'local-error', message: opened.message, timings: clock.done() };
  const answer = opened.session.get(get.oids);
  const waitMs = options.discoverOnSilence ? remainingMs(get.timeoutMs, clock) / 2 : undefined;
  const first = await channel.wait(answer, waitMs);
  if (first.kind === 'settled') return v2cAnswered(first.value, channel, clock);
  if (first.kind === 'ended' && first.end.end !== 'wait-over') return channel.endedFacts(first.end, clock, { message: SILENCE });

  // The GET may still be answered late: keep taking its answer while waiting for the discovery's Report.
  const failed = await sendDiscovery(channel, clock);
  if (failed !== undefined) return failed;
  const second = await channel.wait(answer);
  switch (second.kind) {
    case 'settled':
      return v2cAnswered(second.value, channel, clock);
    case 'ended':
      return channel.endedFacts(second.end, clock, { message: SILENCE });
    case 'report':
      return {
        state: 'open',
        reason: 'community-ignored',
        message: 'no answer to the v2c GET, but the agent answered SNMPv3 discovery',
        timings: clock.done(),
        bytesRead: channel.exchange.bytesRead,
        evidence: { ...engineEvidence(second.report), ...channel.evidence() },
      };
  }
}

function v2cAnswered(outcome: RequestOutcome, channel: SnmpChannel, clock: PhaseClock): Facts {
  if (outcome.kind === 'send-failed') return channel.failureFacts(outcome.failure, clock);
  if (outcome.kind === 'local-error') return { state: 'error', reason: 'local-error', message: outcome.message, timings: clock.done() };
  clock.mark('get');
  const evidence = { version: '2c', ...channel.evidence() };
  const base = { timings: clock.done(), bytesRead: channel.exchange.bytesRead, evidence };
  switch (outcome.kind) {
    case 'response':
      return answered(outcome, base);
    case 'error-status':
      return errorStatusFacts(outcome, base);
    case 'report':
    case 'invalid-reply':
      // A v2c agent has no Reports to send: either way, the port answered with something else.
      return { state: 'open', reason: 'unexpected-protocol', message: outcome.message, ...base };
  }
}

async function v3Get(snmp: NetSnmp, channel: SnmpChannel, credentials: SnmpV3, get: Get, clock: PhaseClock): Promise<Facts> {
  // net-snmp starts with its own discovery (it needs the engine's ID, boots and time for the
  // keys): the channel keeps its Report, so no hand-built one is sent first.
  const opened = openSession(snmp, channel, credentials, get);
  if (!opened.ok) return { state: 'error', reason: 'local-error', message: opened.message, timings: clock.done() };
  const waited = await channel.waitForRequest(opened.session.get(get.oids));
  const engine = channel.engine === undefined ? {} : engineEvidence(channel.engine);
  if (waited.kind === 'ended') {
    if (channel.engine === undefined) return channel.endedFacts(waited.end, clock, { message: DISCOVERY_SILENCE });
    if (waited.end.end !== 'timeout') return channel.endedFacts(waited.end, clock, { message: SILENCE, evidence: engine });
    return {
      state: 'open',
      reason: 'snmp-v3-no-response',
      message: channel.noted('discovery answered, the authenticated GET did not'),
      timings: clock.done(),
      bytesRead: channel.exchange.bytesRead,
      evidence: { ...engine, ...channel.evidence() },
    };
  }
  const outcome = waited.value;
  if (outcome.kind === 'send-failed') return { ...channel.failureFacts(outcome.failure, clock), evidence: engine };
  if (outcome.kind === 'local-error') return { state: 'error', reason: 'local-error', message: outcome.message, timings: clock.done() };
  clock.mark('get');
  const base = { timings: clock.done(), bytesRead: channel.exchange.bytesRead, evidence: { version: '3', ...engine, ...channel.evidence() } };
  switch (outcome.kind) {
    case 'response':
      return answered(outcome, base);
    case 'error-status':
      return errorStatusFacts(outcome, base);
    case 'report':
      return { state: 'open', reason: outcome.reason ?? 'snmp-v3-failed', message: outcome.message, ...base };
    case 'invalid-reply':
      return { state: 'open', reason: 'snmp-v3-failed', message: outcome.message, ...base };
  }
}

// ---------- results

type Answered = Required<Pick<Facts, 'timings' | 'bytesRead' | 'evidence'>>;

function errorStatusFacts(outcome: Extract<RequestOutcome, { kind: 'error-status' }>, base: Answered): Facts {
  const denied = isAccessDenied(outcome.status);
  return {
    state: 'open',
    reason: denied ? 'authorization-error' : 'snmp-error-status',
    message: denied ? `the credentials are valid but access control (VACM) does not allow reading these objects (${outcome.name})` : outcome.message,
    ...base,
    evidence: { ...base.evidence, errorStatus: outcome.name },
  };
}

function answered(outcome: { readonly varbinds: readonly Varbind[]; readonly note?: string }, base: Answered): Facts {
  const evidence: Record<string, EvidenceValue> = { ...base.evidence };
  const missing: string[] = [];
  for (const varbind of outcome.varbinds) {
    const name = NAMES.get(varbind.oid) ?? varbind.oid;
    evidence[name] = varbind.value;
    if (varbind.missing) missing.push(name);
  }
  const sysName = typeof evidence.sysName === 'string' && evidence.sysName !== '' ? ` (${evidence.sysName})` : '';
  const notes = [...(missing.length > 0 ? [`no such object: ${missing.join(', ')}`] : []), ...(outcome.note === undefined ? [] : [outcome.note])];
  return {
    state: 'open',
    reason: 'snmp-response',
    message: `SNMPv${String(evidence.version)} GET answered${sysName}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
    ...base,
    evidence,
  };
}
