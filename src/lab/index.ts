/**
 * The simulated PSM network ("lab"): one peer per protocol, and `startLab()` for a whole
 * deployment on loopback addresses, its listeners derived from the vendor's port tables.
 * Used by the demo, the fast tests and the benchmark.
 */
export { startLab, type Lab, type LabHost, type LabListener, type LabOptions } from './topology.js';
export { planLab, LAB_ZONE, type LabFault, type LabFaultKind, type LabPlan, type LabPort } from './plan.js';
export { PEER_FOR_PROBE } from './peer-for-probe.js';
export type { PeerSpec } from './peer-spec.js';
export { LAB_PORT_OFFSET } from './ports.js';
export type { PeerEndpoint, PeerHandle, LabTransport } from './types.js';
export { startSshPeer, createSshService, type SshPeerHandle, type SshPeerOptions } from './ssh-peer.js';
export { generateHostKey, fingerprintOf, fingerprintOfBlob, type LabHostKey } from './host-key.js';
export { startSnmpAgent, startSnmpAgentGroup, type SnmpAgentHandle } from './snmp-agent.js';
export { startNocReceiver, type NocReceiverHandle } from './noc-receiver.js';
export { startRadiusServer, type RadiusServerHandle } from './radius-server.js';
export { startNtpServer, type NtpServerHandle } from './ntp-server.js';
export { startDnsServer, type DnsServerHandle } from './dns-server.js';
export { startFtpPeer } from './ftp-peer.js';
export { startHttpsPeer, generateLabCertificate, type HttpsPeerHandle } from './https-peer.js';
export { startTelnetPeer } from './telnet-tl1-peer.js';
export { startMysqlPeer } from './mysql-peer.js';
export { startSilentTcpPeer, startSilentUdpPeer, startBlackhole } from './silent-peer.js';
export { startUdpEchoPeer } from './echo-peer.js';
