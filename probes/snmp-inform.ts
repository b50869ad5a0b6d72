import { z } from 'zod';
import { PhaseClock } from '../src/core/clock.js';
import { defineProbe } from '../src/core/probe.js';
import { defineReasons } from '../src/core/reasons.js';
import { libraryFailureFacts } from './kit/lazy-module.js';
import { udpFailureFacts } from './kit/udp-exchange.js';
import { SnmpChannel } from './protocols/snmp/channel.js';
import { loadNetSnmp, openSession } from './protocols/snmp/session.js';

/**
 * The notification OID of the test inform. It lies under NET-SNMP-MIB::netSnmpPlaypen
 * (1.3.6.1.4.1.8072.9999), an arc Net-SNMP reserves for local experiments, so it cannot collide
 * with a real product's trap and a NOC can filter it out by prefix.
 */
const TEST_TRAP_OID = '1.3.6.1.4.1.8072.9999.9999.1';
/** The varbind that carries the human text, beside the notification OID. */
const TEST_TEXT_OID = '1.3.6.1.4.1.8072.9999.9999.2.0';

const OID_PATTERN = /^\d+(?:\.\d+)+$/;

const optionsSchema = z
  .object({
    trapOid: z
      .string()
      .regex(OID_PATTERN, 'a numeric OID')
      .default(TEST_TRAP_OID)
      .describe('snmpTrapOID.0 of the test inform; the default lies under NET-SNMP-MIB::netSnmpPlaypen (1.3.6.1.4.1.8072.9999), reserved for experiments.'),
    text: z
      .string()
      .max(200)
      .default('psm-netcheck connectivity test, please ignore')
      .describe(`Text sent in a varbind (${TEST_TEXT_OID}) so that whoever reads the receiver's log knows what it is; empty sends none.`),
    fallbackCommunity: z
      .string()
      .default('public')
      .describe('Community used when the inventory gives no SNMPv2c community for this host (informs are sent as v2c only).'),
  })
  .strict();

const SNMP_INFORM_REASONS = defineReasons({
  'inform-acknowledged': { outcome: 'ok', summary: 'the receiver acknowledged the inform: it listens and accepts this community' },
  'inform-error-status': {
    outcome: 'warn',
    summary: 'the receiver answered the inform, but with an error status',
  },
});

const SILENCE =
  'no acknowledgement: filtered, no receiver, a receiver that only takes traps (they are never acknowledged), or one that drops this community';

/**
 * SNMP notifications (UDP 162/1620): an SNMPv2c InformRequest, through net-snmp on one connected
 * socket (protocols/snmp/channel.ts). Unlike a trap, an inform is acknowledged by a Response with
 * the same request-id, which proves a listener two-way.
 */
const snmpInformProbe = defineProbe({
  kind: 'snmp-inform',
  transport: 'udp',
  summary: 'SNMPv2c InformRequest to a trap receiver: acknowledged, closed, or silence',
  optionsSchema,
  reasons: SNMP_INFORM_REASONS,
  async prepare() {
    await loadNetSnmp();
  },
  async run(target, ctx) {
    // Loaded before the clock starts: only the first probe of the process waits for it, not on the network.
    const netSnmp = await loadNetSnmp();
    const clock = new PhaseClock();
    if (!netSnmp.ok) return libraryFailureFacts(netSnmp, clock);
    const port = target.port ?? 162;
    const opened = await SnmpChannel.open(target.address, port, ctx, clock);
    if (!opened.ok) return udpFailureFacts(opened, clock);
    const channel = opened.channel;
    const credentials = ctx.credentials.snmp;
    const community = credentials?.version === '2c' ? credentials.community.reveal() : ctx.options.fallbackCommunity;
    const communityEvidence = { community: credentials?.version === '2c' ? 'inventory' : 'fallbackCommunity option' };
    try {
      const session = openSession(netSnmp.module, channel, { version: '2c', community }, { port, timeoutMs: ctx.timeoutMs });
      if (!session.ok) return { state: 'error', reason: 'local-error', message: session.message, timings: clock.done() };
      const text = ctx.options.text === '' ? [] : [{ oid: TEST_TEXT_OID, text: ctx.options.text }];
      const waited = await channel.waitForRequest(session.session.inform(ctx.options.trapOid, text));
      if (waited.kind === 'ended') return channel.endedFacts(waited.end, clock, { message: SILENCE, evidence: communityEvidence });
      const outcome = waited.value;
      if (outcome.kind === 'send-failed') return channel.failureFacts(outcome.failure, clock);
      if (outcome.kind === 'local-error') return { state: 'error', reason: 'local-error', message: outcome.message, timings: clock.done() };
      clock.mark('acknowledge');
      const base = { timings: clock.done(), bytesRead: channel.exchange.bytesRead, evidence: { ...communityEvidence, ...channel.evidence() } };
      switch (outcome.kind) {
        case 'response':
          return {
            state: 'open',
            reason: 'inform-acknowledged',
            message: `InformRequest acknowledged${outcome.note === undefined ? '' : ` (${outcome.note})`}`,
            ...base,
          };
        case 'error-status':
          return {
            state: 'open',
            reason: 'inform-error-status',
            message: `the receiver answered ${outcome.name}`,
            ...base,
            evidence: { ...base.evidence, errorStatus: outcome.name },
          };
        case 'report':
        case 'invalid-reply':
          return { state: 'open', reason: 'unexpected-protocol', message: outcome.message, ...base };
      }
    } finally {
      channel.close();
    }
  },
});

export default snmpInformProbe;
