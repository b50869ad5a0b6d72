/**
 * Real Debian daemons for protocol tests, one start function per daemon. Each writes its config
 * into a temp dir of the lab, starts the daemon in the foreground inside a lab host, waits (bounded)
 * until it answers, and returns a handle with what tests need (ports, secrets, fingerprints) and
 * stop(). lab.destroy() stops every daemon a test left running.
 *
 *   const lab = await createNetnsLab({ hosts: ['prober', 'srv'] });
 *   const ssh = await startSshd(lab, 'srv', { netconf: true });
 *   await lab.runNode('prober', 'dist/src/cli/main.js', ['check', ...]);
 *   await lab.destroy();
 */
export type { DaemonHandle } from './daemons/common.js';
export { LAB_PASSWORD, LAB_USER, ensureLabUser } from './daemons/lab-user.js';
export { startSshd } from './daemons/sshd.js';
export type { NetconfServer, SshdHandle, SshdOptions } from './daemons/sshd.js';
export { NO_MIBS, OID_SYS_DESCR, OID_SYS_NAME, startSnmpd } from './daemons/snmpd.js';
export type { SnmpdHandle, SnmpdOptions, SnmpV3User } from './daemons/snmpd.js';
export { startSnmptrapd } from './daemons/snmptrapd.js';
export type { SnmptrapdHandle, SnmptrapdOptions } from './daemons/snmptrapd.js';
export { startFreeradius } from './daemons/freeradius.js';
export type { FreeradiusHandle, FreeradiusOptions } from './daemons/freeradius.js';
export { startChrony } from './daemons/chrony.js';
export type { ChronyHandle, ChronyOptions } from './daemons/chrony.js';
export { startDnsmasq } from './daemons/dnsmasq.js';
export type { DnsmasqHandle, DnsmasqOptions } from './daemons/dnsmasq.js';
export { startVsftpd } from './daemons/vsftpd.js';
export type { VsftpdHandle, VsftpdOptions } from './daemons/vsftpd.js';
export { startHttps } from './daemons/https.js';
export type { CertificateValidity, HttpsCertificate, HttpsHandle, HttpsOptions } from './daemons/https.js';
export { startMariadb } from './daemons/mariadb.js';
export type { MariadbHandle, MariadbOptions } from './daemons/mariadb.js';
