/**
 * The vocabulary shared by the matrix, the inventory, the planner, the probes and the reports.
 * Plain data only: no behaviour lives here.
 */

/** Roles a host can play in a PSM deployment (the seed's "communication paths"). */
export const ROLES = [
  'psm-server',
  'psm-client',
  'network-element',
  'noc',
  'radius-server',
  // "Other hosts" (seed Table 7 and the remote side of Table 8), by the service they offer.
  'ftp-server',
  'sftp-server',
  'dns-server',
  'http-server',
  'ntp-server',
  'syslog-server',
  'tacacs-server',
] as const;
export type Role = (typeof ROLES)[number];

/** Network element types; the type selects the NE's ports (seed Tables 3, 4 and 8). */
export const NE_TYPES = ['bti7800', 'juniper-mx', 'bti7000', 'bti700', 'bti800'] as const;
export type NeType = (typeof NE_TYPES)[number];

/**
 * Services that PSM servers and clients run only in some deployments. The seed makes these rows
 * conditional: "only required if the FTP/SFTP/NTP/RADIUS server on the PSM server is used".
 */
export const OPTIONAL_SERVICES = ['ftp', 'sftp', 'ntp', 'radius'] as const;
export type OptionalService = (typeof OPTIONAL_SERVICES)[number];

export const TRANSPORTS = ['tcp', 'udp', 'icmp'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/**
 * What a probe observed at the transport level.
 * - open: something answered (TCP handshake completed, or a valid UDP/ICMP reply came back)
 * - closed: actively refused (TCP RST / ICMP port unreachable)
 * - filtered: dropped or blocked on the way (timeout, host/net unreachable, admin prohibited)
 * - open|filtered: UDP silence, which cannot tell a silent service from a drop
 * - unresolved: the name did not resolve
 * - error: a local failure; the path was not tested
 */
export const TRANSPORT_STATES = ['open', 'closed', 'filtered', 'open|filtered', 'unresolved', 'error'] as const;
export type TransportState = (typeof TRANSPORT_STATES)[number];

/**
 * What the path should look like:
 * - open: a service answers (most rows);
 * - reachable: packets get through to the host; a refusal (RST, ICMP port unreachable) proves it as
 *   well as an answer does (port ranges where only some ports are bound, UDP traceroute);
 * - closed: a firewall check; the path must be refused or dropped.
 */
export const EXPECTATIONS = ['open', 'reachable', 'closed'] as const;
export type Expectation = (typeof EXPECTATIONS)[number];

export const VERDICTS = ['pass', 'warn', 'fail', 'skip'] as const;
export type Verdict = (typeof VERDICTS)[number];
