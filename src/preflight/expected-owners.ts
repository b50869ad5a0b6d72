/**
 * The processes that may already hold a port before PSM is installed, by matrix row: the port is
 * then taken by the service it is meant for (sshd on 22), which is fine. Anything else on a PSM
 * port is a conflict. Names are /proc/PID/comm values (at most 15 characters). PSM itself runs
 * on Java; `systemd` stands for socket activation (sshd.socket and the like).
 */

const FTP = ['vsftpd', 'proftpd', 'pure-ftpd', 'in.ftpd', 'systemd'];
const SSH = ['sshd', 'systemd'];
const PSM = ['java'];
const NTP = ['chronyd', 'ntpd', 'ntpsec'];
const TRAPS = ['snmptrapd', 'java'];
const RADIUS = ['freeradius', 'radiusd'];
const WEB = ['apache2', 'httpd', 'nginx', 'lighttpd', 'caddy'];

const BY_ROW: Readonly<Record<string, readonly string[]>> = {
  't1-ftp': FTP,
  't1-ssh': SSH,
  't1-monit': ['monit'],
  't1-mysql': ['mysqld', 'mariadbd'],
  't1-graphite': [...WEB, 'gunicorn', 'uwsgi', 'python3', 'java'],
  't1-dashboard': PSM,
  't1-jmx': PSM,
  't1-rest': PSM,
  't1-rest-notification': PSM,
  't2-replication': PSM,
  't3-ftp': FTP,
  't3-ftp-external': FTP,
  't3-sftp': SSH,
  't3-sftp-external': SSH,
  't3-ntp': NTP,
  't3-snmp-traps': TRAPS,
  't3-radius': RADIUS,
  't4-ftp': FTP,
  't4-sftp': SSH,
  't5-snmp-traps': TRAPS,
  't6-radius': RADIUS,
  't7-ftp': FTP,
  't7-sftp': SSH,
  't7-dns': ['named', 'dnsmasq', 'unbound', 'pdns_server', 'systemd-resolve', 'coredns'],
  't7-http': WEB,
  't7-ntp': NTP,
  't8-ftp': FTP,
  't8-sftp': SSH,
  't8-dns': ['named', 'dnsmasq', 'unbound', 'pdns_server', 'systemd-resolve', 'coredns'],
  't8-ntp': NTP,
  't8-snmp-trap-psm-server': TRAPS,
  't8-snmp-trap-noc': TRAPS,
  't8-syslog': ['rsyslogd', 'syslog-ng', 'systemd-journal'],
  't8-radius': RADIUS,
  't8-tacacs': ['tac_plus', 'tac_plus-ng'],
};

/** The commands that may hold a port serving these rows (empty when no row names any). */
export function expectedOwners(rows: readonly string[]): string[] {
  return [...new Set(rows.flatMap((row) => BY_ROW[row] ?? []))];
}
