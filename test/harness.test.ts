import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureLabUser,
  LAB_USER,
  NO_MIBS,
  OID_SYS_DESCR,
  OID_SYS_NAME,
  startChrony,
  startDnsmasq,
  startFreeradius,
  startHttps,
  startMariadb,
  startSnmpd,
  startSnmptrapd,
  startSshd,
  startVsftpd,
} from './support/daemons.js';
import type { DaemonHandle } from './support/daemons.js';
import { createNetnsLab } from './support/netns.js';
import type { NetnsLab } from './support/netns.js';
import { binary, missing, netns, titleWith } from './support/skip.js';

/**
 * Self-tests of the lab harness: the namespaces are wired as promised, nftables gives the port
 * states the probes must tell apart, and every daemon starts and answers its own Debian client.
 * Each daemon (and each variant a probe test relies on) is started once.
 */

const why = missing(
  netns,
  ...[
    '/usr/sbin/nft', '/usr/sbin/sshd', '/usr/sbin/netconfd', '/usr/sbin/netconf-subsystem', '/usr/sbin/snmpd',
    '/usr/sbin/snmptrapd', '/usr/sbin/freeradius', '/usr/sbin/chronyd', '/usr/sbin/dnsmasq', '/usr/sbin/vsftpd',
    '/usr/sbin/mariadbd', '/usr/bin/mariadb-install-db', '/usr/bin/ssh-keyscan', '/usr/bin/sshpass', '/usr/bin/snmpget',
    '/usr/bin/snmpinform', '/usr/bin/radclient', '/usr/sbin/ntpdate', '/usr/bin/chronyc', '/usr/bin/dig', '/usr/bin/curl',
    '/usr/bin/mariadb', '/usr/bin/mariadb-admin', '/bin/nc',
  ].map(binary),
);

const TCP_CONNECT = 'test/support/scripts/tcp-connect.mjs';

interface ConnectOutcome {
  outcome: 'connected' | 'error' | 'deadline';
  code?: string;
  greeting?: string;
}

describe.skipIf(why !== undefined)(titleWith('network-namespace lab and real daemons', why), () => {
  let lab: NetnsLab;
  const startups: string[] = [];
  const record = <T extends DaemonHandle>(name: string, handle: T): T => {
    startups.push(`${name}: ${handle.startupMs} ms`);
    return handle;
  };

  /** One TCP connect from the prober, through the real CLI-style path (node inside the namespace). */
  async function connectFromProber(address: string, port: number, deadlineMs = 3_000): Promise<ConnectOutcome> {
    const result = await lab.runNode('prober', TCP_CONNECT, [address, String(port), String(deadlineMs)]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as ConnectOutcome;
  }

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['prober', 'ne1', 'srv'] });
  });

  afterAll(async () => {
    await lab?.destroy();
    if (startups.length > 0) console.log(`daemon start-up times (spawn to first answer):\n  ${startups.join('\n  ')}`);
  });

  describe('topology', () => {
    it('gives each host its own addresses and no default route', async () => {
      for (const host of lab.hosts) {
        const addresses = await lab.execOk(host, 'ip', ['-o', 'addr', 'show', 'dev', 'eth0']);
        expect(addresses.stdout).toContain(`${lab.addr(host)}/24`);
        expect(addresses.stdout).toContain(`${lab.addr(host, 6)}/64`);
        expect((await lab.execOk(host, 'ip', ['route', 'show', 'default'])).stdout.trim()).toBe('');
        expect((await lab.execOk(host, 'ip', ['-6', 'route', 'show', 'default'])).stdout.trim()).toBe('');
        expect((await lab.execOk(host, 'sysctl', ['-n', 'net.ipv4.icmp_ratelimit'])).stdout.trim()).toBe('0');
      }
    });

    it('lets hosts reach each other over IPv4 and IPv6', async () => {
      await lab.execOk('prober', 'ping', ['-c', '1', '-W', '2', lab.addr('srv')]);
      await lab.execOk('prober', 'ping', ['-6', '-c', '1', '-W', '2', lab.addr('ne1', 6)]);
    });

    it('keeps the machine unreachable from inside the lab', async () => {
      const result = await lab.exec('prober', 'ping', ['-c', '1', '-W', '1', '192.0.2.1']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/Network is unreachable/);
    });

    it('runs commands as the unprivileged lab user', async () => {
      // Made by whichever test needs it first; on a fresh machine that may be this one.
      await ensureLabUser();
      const result = await lab.execOk('prober', 'id', ['-un'], { user: LAB_USER });
      expect(result.stdout.trim()).toBe(LAB_USER);
    });
  });

  describe('nftables port states', () => {
    it('turns a listening port into a timeout with drop and into ECONNREFUSED with reject', async () => {
      const listener = lab.spawn('srv', 'nc', ['-l', '-k', lab.addr('srv'), '7000']);
      try {
        await expect.poll(() => lab.listening('srv', 'tcp', 7000), { timeout: 5_000 }).toBe(true);
        expect((await connectFromProber(lab.addr('srv'), 7000)).outcome).toBe('connected');

        await lab.firewall('srv', { input: ['tcp dport 7000 drop'] });
        expect(await connectFromProber(lab.addr('srv'), 7000, 1_500)).toEqual({ outcome: 'deadline' });

        await lab.firewall('srv', { input: ['tcp dport 7000 reject with tcp reset'] });
        expect(await connectFromProber(lab.addr('srv'), 7000)).toEqual({ outcome: 'error', code: 'ECONNREFUSED' });

        await lab.firewall('srv', { input: ['tcp dport 7000 reject with icmp type admin-prohibited'] });
        expect(await connectFromProber(lab.addr('srv'), 7000)).toEqual({ outcome: 'error', code: 'EHOSTUNREACH' });

        await lab.firewall('srv', {});
        expect((await connectFromProber(lab.addr('srv'), 7000)).outcome).toBe('connected');
      } finally {
        await lab.firewall('srv', {});
        await listener.stop();
      }
    });
  });

  describe('daemons answer their Debian clients', () => {
    it('sshd: ssh-keyscan sees the recorded host key; NETCONF hello over the subsystem', async () => {
      const sshd = record('sshd+netconfd', await startSshd(lab, 'srv', { ports: [22], netconf: { ports: [830] } }));
      const scan = await lab.execOk('prober', 'ssh-keyscan', ['-p', '22', '-t', 'ed25519', lab.addr('srv')]);
      expect(scan.stdout).toContain(sshd.hostKeyPublic);
      const fingerprint = await lab.execOk('prober', 'ssh-keygen', ['-l', '-f', '-'], { input: scan.stdout });
      expect(fingerprint.stdout).toContain(sshd.hostKeyFingerprint);
      expect(sshd.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);

      const hello =
        '<?xml version="1.0" encoding="UTF-8"?><hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">' +
        '<capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>';
      const session = await lab.exec(
        'prober',
        'sshpass',
        [
          '-p', sshd.password, 'ssh', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
          '-o', 'LogLevel=ERROR', '-o', 'PubkeyAuthentication=no', '-o', 'ConnectTimeout=5',
          '-p', '830', '-s', `${sshd.user}@${lab.addr('srv')}`, 'netconf',
        ],
        // ssh ends the session at stdin EOF: hold stdin open until the server's hello has arrived.
        { input: hello, closeStdinOn: /\]\]>\]\]>/, timeoutMs: 15_000 },
      );
      expect(session.stdout, session.stderr).toContain('urn:ietf:params:netconf:base:1.1');
      expect(session.stdout).toMatch(/<session-id>\d+<\/session-id>/);
      await sshd.stop();
    });

    it('snmpd: v2c and v3 authPriv GETs answer; a wrong community gets silence', async () => {
      const snmpd = record('snmpd', await startSnmpd(lab, 'srv'));
      const target = lab.addr('srv');
      const v2c = await lab.execOk('prober', 'snmpget', [
        '-v2c', '-c', snmpd.community, '-r', '0', '-t', '2', ...NO_MIBS, '-Oqv', target, OID_SYS_NAME, OID_SYS_DESCR,
      ]);
      expect(v2c.stdout).toContain(snmpd.sysName);
      expect(v2c.stdout).toContain(snmpd.sysDescr);
      const v3 = await lab.execOk('prober', 'snmpget', [
        '-v3', '-l', 'authPriv', '-u', snmpd.v3.user, '-a', 'SHA', '-A', snmpd.v3.authPassword,
        '-x', 'AES', '-X', snmpd.v3.privPassword, '-r', '0', '-t', '2', ...NO_MIBS, '-Oqv', target, OID_SYS_NAME,
      ]);
      expect(v3.stdout).toContain(snmpd.sysName);
      expect(snmpd.engineId).toMatch(/^80001f88/);
      const wrong = await lab.exec('prober', 'snmpget', [
        '-v2c', '-c', 'not-the-community', '-r', '0', '-t', '1', ...NO_MIBS, target, OID_SYS_NAME,
      ]);
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toMatch(/Timeout/);
      await snmpd.stop();
    });

    it('snmptrapd: acknowledges v2c and v3 informs it accepts, and not an unknown community', async () => {
      const trapd = record('snmptrapd', await startSnmptrapd(lab, 'ne1'));
      const target = `${lab.addr('ne1')}:${trapd.port}`;
      const trapOid = '1.3.6.1.4.1.8072.2.3.0.1';
      await lab.execOk('prober', 'snmpinform', [
        '-v2c', '-c', trapd.community, '-r', '0', '-t', '2', ...NO_MIBS, target, '', trapOid,
        '1.3.6.1.4.1.8072.2.3.2.1', 'i', '4242',
      ]);
      await trapd.waitForNotification(/INTEGER: 4242/);
      await lab.execOk('prober', 'snmpinform', [
        '-v3', '-l', 'authPriv', '-u', trapd.v3.user, '-a', 'SHA', '-A', trapd.v3.authPassword,
        '-x', 'AES', '-X', trapd.v3.privPassword, '-r', '0', '-t', '2', ...NO_MIBS, target, '', trapOid,
        '1.3.6.1.4.1.8072.2.3.2.1', 'i', '4343',
      ]);
      await trapd.waitForNotification(/INTEGER: 4343/);
      const refused = await lab.exec('prober', 'snmpinform', [
        '-v2c', '-c', 'not-the-community', '-r', '0', '-t', '1', ...NO_MIBS, target, '', trapOid,
      ]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/Timeout/);
      await trapd.stop();
    });

    it('freeradius: Status-Server on auth and acct ports, and the probe user authenticates', async () => {
      const radius = record('freeradius', await startFreeradius(lab, 'srv'));
      const status = (port: number, secret: string) =>
        lab.exec('prober', 'radclient', ['-r', '1', '-t', '2', `${lab.addr('srv')}:${port}`, 'status', secret], {
          input: 'Message-Authenticator = 0x00\n',
        });
      expect((await status(radius.authPort, radius.secret)).stdout).toContain('Received Access-Accept');
      expect((await status(radius.acctPort, radius.secret)).stdout).toContain('Received Accounting-Response');
      const login = await lab.exec('prober', 'radclient', ['-r', '1', '-t', '3', `${lab.addr('srv')}:${radius.authPort}`, 'auth', radius.secret], {
        input: `User-Name = "${radius.probeUser.name}"\nUser-Password = "${radius.probeUser.password}"\nMessage-Authenticator = 0x00\n`,
      });
      expect(login.stdout).toContain('Received Access-Accept');
      await radius.stop();
    });

    it('chronyd: serves stratum 10 with a local line, and unsynchronized (stratum 0 on the wire) without', async () => {
      const synced = record('chronyd', await startChrony(lab, 'srv'));
      const unsynced = record('chronyd (unsynchronized)', await startChrony(lab, 'ne1', { localStratum: null }));
      const good = await lab.execOk('prober', 'ntpdate', ['-q', lab.addr('srv')]);
      expect(good.stdout).toMatch(/ s10 /);
      const bad = await lab.exec('prober', 'ntpdate', ['-q', lab.addr('ne1')]);
      expect(bad.code).not.toBe(0);
      expect(bad.stdout + bad.stderr).toMatch(/stratum 0/);
      const tracking = await lab.execOk('srv', 'chronyc', ['-h', synced.commandSocket, 'tracking']);
      expect(tracking.stdout).toMatch(/Stratum\s+:\s+10/);
      await Promise.all([synced.stop(), unsynced.stop()]);
    });

    it('dnsmasq: answers its zone and refuses names outside it', async () => {
      const dns = record('dnsmasq', await startDnsmasq(lab, 'srv'));
      const [name, address] = Object.entries(dns.records)[0] ?? [];
      const answer = await lab.execOk('prober', 'dig', [`@${lab.addr('srv')}`, '+time=2', '+tries=1', '+short', name ?? '', 'A']);
      expect(answer.stdout.trim()).toBe(address);
      const outside = await lab.execOk('prober', 'dig', [`@${lab.addr('srv')}`, '+time=2', '+tries=1', 'example.com', 'A']);
      expect(outside.stdout).toMatch(/status: REFUSED/);
      await dns.stop();
    });

    it('vsftpd: greets with 220 and says goodbye; the broken variant answers 500 OOPS', async () => {
      const ftp = record('vsftpd', await startVsftpd(lab, 'srv'));
      const oops = record('vsftpd (oops)', await startVsftpd(lab, 'srv', { variant: 'oops', port: 2121 }));
      const session = await lab.execOk('prober', 'nc', ['-w', '3', lab.addr('srv'), '21'], { input: 'QUIT\r\n' });
      expect(session.stdout).toContain(`220 ${ftp.banner}`);
      expect(session.stdout).toMatch(/^221 /m);
      // Send nothing: vsftpd closes right after the OOPS line, and unread client data would turn that
      // close into a reset that can discard the line before nc reads it.
      const broken = await lab.exec('prober', 'nc', ['-w', '3', lab.addr('srv'), '2121']);
      expect(broken.stdout).toContain(oops.oopsLine);
      await Promise.all([ftp.stop(), oops.stop()]);
    });

    it('https: serves with a valid and with an expired self-signed certificate', async () => {
      const valid = record('https (valid)', await startHttps(lab, 'srv'));
      const expired = record('https (expired)', await startHttps(lab, 'srv', { certificate: 'expired', port: 8443 }));
      const insecure = await lab.execOk('prober', 'curl', ['-k', '-sS', '--max-time', '5', valid.url]);
      expect(insecure.stdout).toContain('netcheck lab srv');
      const strict = await lab.exec('prober', 'curl', ['-sS', '--max-time', '5', valid.url]);
      expect(strict.stderr).toMatch(/self-signed certificate/);
      // Trusting the certificate itself leaves its dates (and the IP SAN) as the only things to check.
      const trusted = (handle: typeof valid) =>
        lab.exec('prober', 'curl', ['-sS', '--max-time', '5', '--cacert', handle.certificate?.path ?? '', handle.url]);
      expect((await trusted(valid)).stdout).toContain('netcheck lab srv');
      expect((await trusted(expired)).stderr).toMatch(/certificate has expired/);
      expect(expired.certificate?.notAfter.getTime()).toBeLessThan(Date.now());
      expect((await lab.execOk('prober', 'curl', ['-k', '-sS', '--max-time', '5', expired.url])).stdout).toContain('netcheck lab');
      await Promise.all([valid.stop(), expired.stop()]);
    });

    it('mariadb: greets over TCP with its version and accepts the probe login', async () => {
      const db = record('mariadb (start only; install-db excluded)', await startMariadb(lab, 'srv'));
      const greeting = await connectFromProber(lab.addr('srv'), db.port);
      expect(greeting.outcome).toBe('connected');
      expect(greeting.greeting).toContain(`5.5.5-${db.version}`);
      const login = await lab.execOk('prober', 'mariadb', [
        '--no-defaults', '-h', lab.addr('srv'), '-P', String(db.port), '-u', db.user, `-p${db.password}`, '-N', '-B', '-e', 'SELECT 1',
      ]);
      expect(login.stdout.trim()).toBe('1');
      await db.stop();
    });
  });
});
