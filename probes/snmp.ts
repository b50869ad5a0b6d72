import { z } from 'zod';
import type { SnmpV2c } from '../src/core/credentials.js';
import { PhaseClock } from '../src/core/clock.js';
import { libraryFailureFacts } from './kit/lazy-module.js';
import {
  AUTHORIZATION_ERROR,
  NO_ACCESS,
  ERROR_STATUS,
  nullVarbinds,
  OIDS,
  parseV2c,
  parseV3Plain,
  PDU,
  randomId,
  usmReportReason,
  v2cMessage,
  v3DiscoveryMessage,
  type V3PlainMessage,
  type V2cMessage,
  type Varbind,
} from './protocols/snmp/message.js';
import { loadNetSnmp, snmpV3Get } from './protocols/snmp/v3-get.js';
import { endedWithoutReply, remainingMs, UdpExchange, udpFailureFacts } from './kit/udp-exchange.js';
import { defineProbe, type Evidence, type EvidenceValue, type ProbeFacts } from '../src/core/probe.js';

const SYSTEM_OIDS = [OIDS.sysDescr, OIDS.sysObjectID, OIDS.sysName, OIDS.sysUpTime];
const NAMES: Readonly<Record<string, string>> = {
  [OIDS.sysDescr]: 'sysDescr',
  [OIDS.sysObjectID]: 'sysObjectID',
  [OIDS.sysName]: 'sysName',
  [OIDS.sysUpTime]: 'sysUpTime',
};

const optionsSchema = z
  .object({
    oids: z
      .array(z.string().regex(/^\d+(?:\.\d+)+$/, 'a numeric OID such as 1.3.6.1.2.1.1.5.0'))
      .min(1)
      .max(16)
      .default([...SYSTEM_OIDS])
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

// authorizationError is the RFC 3416 answer to a VACM denial; some agents say noAccess instead.
const DENIED: ReadonlySet<number> = new Set([AUTHORIZATION_ERROR, NO_ACCESS]);

const SILENCE = 'no answer: filtered, agent down, or an agent that ignores this community and has no SNMPv3';

/**
 * SNMP on UDP 161: a read-only GET of the system group with the inventory's credentials.
 * v2c and the v3 discovery are hand-built and sent on a connected socket (so a closed port shows
 * as closed); v3 GETs go through net-snmp over the same kind of socket. Never sends a SET.
 */
const snmpProbe = defineProbe({
  kind: 'snmp',
  transport: 'udp',
  summary: 'SNMP GET of sysDescr/sysObjectID/sysName/sysUpTime (v2c or v3), SNMPv3 discovery to explain silence',
  optionsSchema,
  reasons: {
    'snmp-response': { outcome: 'ok', summary: 'the agent answered the GET with the inventory\'s credentials' },
    'community-ignored': {
      outcome: 'fail',
      summary:
        'the agent answers SNMPv3 discovery but ignored the v2c GET: wrong community, or its ACL excludes this source',
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
      summary: 'credentials accepted, but the agent\'s access control (VACM) does not allow reading these objects',
    },
    'snmp-error-status': { outcome: 'fail', summary: 'the agent answered the GET with an error status' },
    'snmp-v3-failed': { outcome: 'fail', summary: 'the SNMPv3 exchange failed (see message)' },
    'snmp-v3-no-response': {
      outcome: 'fail',
      summary:
        'the agent answered SNMPv3 discovery but not the authenticated GET: it drops this user\'s messages (check keys, protocols, ACL)',
    },
  },
  async prepare() {
    await loadNetSnmp();
  },
  async run(target, ctx) {
    const credentials = ctx.credentials.snmp;
    // net-snmp does the v3 GET. Loaded before the clock starts: only the first probe of the
    // process waits for it, and not on the network.
    const netSnmp = credentials?.version === '3' ? await loadNetSnmp() : undefined;
    const clock = new PhaseClock();
    if (netSnmp?.ok === false) return libraryFailureFacts(netSnmp, clock);
    const port = target.port ?? 161;
    const opened = await UdpExchange.open(target.address, port, ctx, clock);
    if (!opened.ok) return udpFailureFacts(opened, clock);
    const exchange = opened.exchange;
    try {
      if (credentials?.version === '2c') return await v2cGet(exchange, credentials, ctx.options, ctx.timeoutMs, clock);

      // v3 or no credentials: the discovery first. It shows the port open and yields the engine ID.
      const discovery = await discover(exchange, clock);
      if (discovery.kind !== 'reply') return discovery.facts;
      const engine = engineEvidence(discovery.report);
      // netSnmp is there exactly when the credentials are v3 (v2c went its own way above).
      if (credentials === undefined || netSnmp === undefined) {
        return {
          state: 'open',
          reason: 'not-tested-missing-credentials',
          message: 'the agent answered SNMPv3 discovery; no SNMP credentials in the inventory to try a GET',
          timings: clock.done(),
          bytesRead: exchange.bytesRead,
          evidence: { ...engine, ...exchange.evidence() },
        };
      }
      const bytesBefore = exchange.bytesRead;
      exchange.close();
      const result = await snmpV3Get(netSnmp.module, exchange.ip, port, credentials, ctx.options.oids, {
        signal: ctx.signal,
        timeoutMs: ctx.timeoutMs,
        maxBytes: Math.max(0, ctx.maxBytes - bytesBefore),
      }, clock);
      const bytesRead = bytesBefore + (result.kind === 'ended' ? (result.exchange?.bytesRead ?? 0) : 0);
      switch (result.kind) {
        case 'response':
          clock.mark('get');
          return answered(result.varbinds, { version: '3', ...engine }, clock, bytesRead);
        case 'refused':
          return { state: 'open', reason: result.reason, message: result.message, timings: clock.done(), bytesRead, evidence: engine };
        case 'failed':
          return { ...udpFailureFacts(result.failure, clock), bytesRead, evidence: engine };
        case 'ended':
          if (result.end.end === 'timeout') {
            return {
              state: 'open',
              reason: 'snmp-v3-no-response',
              message: 'discovery answered, the authenticated GET did not',
              timings: clock.done(),
              bytesRead,
              evidence: engine,
            };
          }
          return { ...endedWithoutReply(result.end, result.exchange, clock, { message: SILENCE, evidence: engine }), bytesRead };
      }
    } finally {
      exchange.close();
    }
  },
});

export default snmpProbe;

// ---------- v2c

async function v2cGet(
  exchange: UdpExchange,
  credentials: SnmpV2c,
  options: Options,
  timeoutMs: number,
  clock: PhaseClock,
): Promise<ProbeFacts> {
  const community = credentials.community.reveal();
  const requestId = randomId();
  const acceptResponse = (datagram: Buffer): V2cMessage | undefined => {
    const message = parseV2c(datagram);
    return message?.type === PDU.response && message.requestId === requestId && message.community.toString() === community
      ? message
      : undefined;
  };

  const sent = await exchange.send(v2cMessage(PDU.get, community, requestId, nullVarbinds(options.oids)));
  if (sent !== undefined) return udpFailureFacts(sent, clock, exchange);
  const waitMs = options.discoverOnSilence ? remainingMs(timeoutMs, clock) / 2 : undefined;
  const first = await exchange.receive(acceptResponse, waitMs);
  if (first.end === 'reply') return v2cAnswered(first.value, exchange, clock);
  if (first.end !== 'wait-over') return endedWithoutReply(first, exchange, clock, { message: SILENCE });

  // The GET may still be answered late: keep accepting it while waiting for the discovery Report.
  const msgId = randomId();
  const sentDiscovery = await exchange.send(v3DiscoveryMessage(msgId, randomId()));
  if (sentDiscovery !== undefined) return udpFailureFacts(sentDiscovery, clock, exchange);
  const second = await exchange.receive((datagram) => acceptResponse(datagram) ?? acceptReport(datagram, msgId));
  if (second.end !== 'reply') return endedWithoutReply(second, exchange, clock, { message: SILENCE });
  if ('community' in second.value) return v2cAnswered(second.value, exchange, clock);
  clock.mark('discovery');
  return {
    state: 'open',
    reason: 'community-ignored',
    message: 'no answer to the v2c GET, but the agent answered SNMPv3 discovery',
    timings: clock.done(),
    bytesRead: exchange.bytesRead,
    evidence: { ...engineEvidence(second.value), ...exchange.evidence() },
  };
}

function v2cAnswered(message: V2cMessage, exchange: UdpExchange, clock: PhaseClock): ProbeFacts {
  clock.mark('get');
  if (message.errorStatus !== 0) {
    const name = ERROR_STATUS[message.errorStatus] ?? `error-status ${message.errorStatus}`;
    return {
      state: 'open',
      reason: DENIED.has(message.errorStatus) ? 'authorization-error' : 'snmp-error-status',
      message: `the agent answered ${name} (index ${message.errorIndex})`,
      timings: clock.done(),
      bytesRead: exchange.bytesRead,
      evidence: { version: '2c', errorStatus: name, ...exchange.evidence() },
    };
  }
  return answered(message.varbinds, { version: '2c', ...exchange.evidence() }, clock, exchange.bytesRead);
}

// ---------- discovery

function acceptReport(datagram: Buffer, msgId: number): V3PlainMessage | undefined {
  const message = parseV3Plain(datagram);
  return message?.msgId === msgId && message.type === PDU.report ? message : undefined;
}

async function discover(
  exchange: UdpExchange,
  clock: PhaseClock,
): Promise<{ kind: 'reply'; report: V3PlainMessage } | { kind: 'ended'; facts: ProbeFacts }> {
  const msgId = randomId();
  const sent = await exchange.send(v3DiscoveryMessage(msgId, randomId()));
  if (sent !== undefined) return { kind: 'ended', facts: udpFailureFacts(sent, clock, exchange) };
  const received = await exchange.receive((datagram) => acceptReport(datagram, msgId));
  if (received.end !== 'reply') {
    return {
      kind: 'ended',
      facts: endedWithoutReply(received, exchange, clock, { message: 'no answer to SNMPv3 discovery: filtered, agent down, or v1/v2c only' }),
    };
  }
  clock.mark('discovery');
  return { kind: 'reply', report: received.value };
}

function engineEvidence(report: V3PlainMessage): Evidence {
  const reported = usmReportReason(report);
  return {
    engineId: report.engineId.toString('hex'),
    engineBoots: report.engineBoots,
    engineTime: report.engineTime,
    ...(reported === undefined || reported === 'unknown-engine-id' ? {} : { discoveryReport: reported }),
  };
}

// ---------- results

function answered(varbinds: readonly Varbind[], base: Evidence, clock: PhaseClock, bytesRead: number): ProbeFacts {
  const evidence: Record<string, EvidenceValue> = { ...base };
  const missing: string[] = [];
  for (const varbind of varbinds) {
    const name = NAMES[varbind.oid] ?? varbind.oid;
    evidence[name] = varbind.value;
    if (varbind.tag >= 0x80 && varbind.tag <= 0x82) missing.push(name);
  }
  const sysName = typeof evidence.sysName === 'string' && evidence.sysName !== '' ? ` (${evidence.sysName})` : '';
  return {
    state: 'open',
    reason: 'snmp-response',
    message: `SNMPv${String(base.version)} GET answered${sysName}${missing.length > 0 ? `; no such object: ${missing.join(', ')}` : ''}`,
    timings: clock.done(),
    bytesRead,
    evidence,
  };
}
