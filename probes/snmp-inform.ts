import { z } from 'zod';
import { octetString, oid, sequence } from './protocols/snmp/ber.js';
import { PhaseClock } from '../src/core/clock.js';
import { ERROR_STATUS, notificationVarbinds, parseV2c, PDU, randomId, v2cMessage, type V2cMessage } from './protocols/snmp/message.js';
import { endedWithoutReply, UdpExchange, udpFailureFacts } from './kit/udp-exchange.js';
import { defineProbe } from '../src/core/probe.js';

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

const SILENCE =
  'no acknowledgement: filtered, no receiver, a receiver that only takes traps (they are never acknowledged), or one that drops this community';

/**
 * SNMP notifications (UDP 162/1620): an SNMPv2c InformRequest. Unlike a trap, an inform is
 * acknowledged by a Response with the same request-id, which proves a listener two-way.
 */
const snmpInformProbe = defineProbe({
  kind: 'snmp-inform',
  transport: 'udp',
  summary: 'SNMPv2c InformRequest to a trap receiver: acknowledged, closed, or silence',
  optionsSchema,
  reasons: {
    'inform-acknowledged': { outcome: 'ok', summary: 'the receiver acknowledged the inform: it listens and accepts this community' },
    'inform-error-status': {
      outcome: 'warn',
      summary: 'the receiver answered the inform, but with an error status',
    },
  },
  async run(target, ctx) {
    const clock = new PhaseClock();
    const opened = await UdpExchange.open(target.address, target.port ?? 162, ctx, clock);
    if (!opened.ok) return udpFailureFacts(opened, clock);
    const exchange = opened.exchange;
    const credentials = ctx.credentials.snmp;
    const fromInventory = credentials?.version === '2c';
    const community = credentials?.version === '2c' ? credentials.community.reveal() : ctx.options.fallbackCommunity;
    const communityEvidence = { community: fromInventory ? 'inventory' : 'fallbackCommunity option' };
    try {
      const requestId = randomId();
      const varbinds = notificationVarbinds(Math.floor(process.uptime() * 100), ctx.options.trapOid);
      if (ctx.options.text !== '') varbinds.push(sequence(oid(TEST_TEXT_OID), octetString(ctx.options.text)));
      const sent = await exchange.send(v2cMessage(PDU.inform, community, requestId, varbinds));
      if (sent !== undefined) return udpFailureFacts(sent, clock, exchange);
      const received = await exchange.receive((datagram): V2cMessage | undefined => {
        const message = parseV2c(datagram);
        return message?.type === PDU.response && message.requestId === requestId ? message : undefined;
      });
      if (received.end !== 'reply') {
        return endedWithoutReply(received, exchange, clock, { message: SILENCE, evidence: communityEvidence });
      }
      clock.mark('acknowledge');
      const status = received.value.errorStatus;
      const evidence = { ...communityEvidence, ...exchange.evidence() };
      if (status !== 0) {
        return {
          state: 'open',
          reason: 'inform-error-status',
          message: `the receiver answered ${ERROR_STATUS[status] ?? `error-status ${status}`}`,
          timings: clock.done(),
          bytesRead: exchange.bytesRead,
          evidence: { ...evidence, errorStatus: ERROR_STATUS[status] ?? status },
        };
      }
      return {
        state: 'open',
        reason: 'inform-acknowledged',
        message: 'InformRequest acknowledged',
        timings: clock.done(),
        bytesRead: exchange.bytesRead,
        evidence,
      };
    } finally {
      exchange.close();
    }
  },
});

export default snmpInformProbe;
