import type { Evidence } from '../../../src/core/probe.js';
import { PDU, type SnmpMessage, type V3Message, varbindNames, VERSION } from './message.js';
import { USM_STATS, type UsmReason } from './oids.js';

/**
 * The one place that reads an SNMPv3 Report: by the OID of its first varbind, the usmStats
 * counter the agent incremented (RFC 3414 §3.2 names one for each check that failed, in the
 * order engine ID, user, security level, digest, time window, decryption).
 */

const BY_OID: ReadonlyMap<string, UsmReason> = new Map(
  Object.entries(USM_STATS).map(([reason, { oid }]) => [oid, reason as UsmReason]),
);

/** The Report this message is, if it is an unencrypted SNMPv3 Report. */
export function asReport(message: SnmpMessage | undefined): V3Message | undefined {
  return message?.version === VERSION.v3 && message.pdu?.type === PDU.report ? message : undefined;
}

/** The usmStats reason a Report names, or undefined when it names something else (or is no Report). */
export function usmReportReason(message: SnmpMessage | undefined): UsmReason | undefined {
  const first = reportedOid(message);
  return first === undefined ? undefined : BY_OID.get(first);
}

/** The OID a Report names first (the counter), if the message is a Report with one. */
export function reportedOid(message: SnmpMessage | undefined): string | undefined {
  const pdu = asReport(message)?.pdu;
  return pdu === undefined ? undefined : varbindNames(pdu)?.[0];
}

/**
 * What a discovery Report tells about the agent: its engine ID, boots and time (RFC 3414 §4).
 * The expected counter is usmStatsUnknownEngineIDs; any other one is worth showing.
 */
export function engineEvidence(report: V3Message): Evidence {
  const reported = usmReportReason(report);
  return {
    engineId: report.engineId.toString('hex'),
    engineBoots: report.engineBoots,
    engineTime: report.engineTime,
    ...(reported === undefined || reported === 'unknown-engine-id' ? {} : { discoveryReport: reported }),
  };
}
