/**
 * The object identifiers psm-netcheck speaks about, shared by the probes, the lab's agent and the
 * NOC receiver.
 */

/** The system group (RFC 3418, SNMPv2-MIB): read-only, present on every agent. Object OIDs, without the instance. */
export const SYSTEM_GROUP = {
  sysDescr: '1.3.6.1.2.1.1.1',
  sysObjectID: '1.3.6.1.2.1.1.2',
  // Hundredths of a second since the agent (re)started; wraps at 2^32, about 497 days.
  sysUpTime: '1.3.6.1.2.1.1.3',
  sysName: '1.3.6.1.2.1.1.5',
} as const;

export type SystemObject = keyof typeof SYSTEM_GROUP;

/** The instance of a scalar object (its OID with `.0`), which is what a GET names. */
export function scalarInstance(objectOid: string): string {
  return `${objectOid}.0`;
}

/** snmpTrapOID.0: the second varbind of every SNMPv2 notification (RFC 3416 §4.2.6). */
export const SNMP_TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';

/**
 * The usmStats counters (RFC 3414 §5) an agent names in a Report when it refuses an SNMPv3
 * message, by the reason code they stand for.
 */
export const USM_STATS = {
  'unsupported-security-level': { oid: '1.3.6.1.6.3.15.1.1.1.0', counter: 'usmStatsUnsupportedSecLevels' },
  'not-in-time-window': { oid: '1.3.6.1.6.3.15.1.1.2.0', counter: 'usmStatsNotInTimeWindows' },
  'unknown-user': { oid: '1.3.6.1.6.3.15.1.1.3.0', counter: 'usmStatsUnknownUserNames' },
  'unknown-engine-id': { oid: '1.3.6.1.6.3.15.1.1.4.0', counter: 'usmStatsUnknownEngineIDs' },
  'wrong-digest': { oid: '1.3.6.1.6.3.15.1.1.5.0', counter: 'usmStatsWrongDigests' },
  'decryption-error': { oid: '1.3.6.1.6.3.15.1.1.6.0', counter: 'usmStatsDecryptionErrors' },
} as const;

export type UsmReason = keyof typeof USM_STATS;
