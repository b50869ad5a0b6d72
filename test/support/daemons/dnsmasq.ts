import { join } from 'node:path';
import type { NetnsLab } from '../netns.js';
import { launch } from './common.js';
import type { DaemonHandle } from './common.js';

/**
 * dnsmasq as a small DNS server in the foreground: authoritative-ish answers for one local zone
 * (host records), no upstream, so names outside the zone get REFUSED (with EDE 14) and names in
 * the zone it does not know get NXDOMAIN.
 */

export interface DnsmasqOptions {
  /** Default 'zone.test'. */
  zone?: string;
  /** Host records, name -> address (default: `<host>.<zone>` -> the host's address). */
  records?: Readonly<Record<string, string>>;
  port?: number;
  address?: string;
  extraArgs?: readonly string[];
}

export interface DnsmasqHandle extends DaemonHandle {
  readonly port: number;
  readonly zone: string;
  readonly records: Readonly<Record<string, string>>;
}

export async function startDnsmasq(lab: NetnsLab, host: string, options: DnsmasqOptions = {}): Promise<DnsmasqHandle> {
  const address = options.address ?? lab.addr(host);
  const port = options.port ?? 53;
  const zone = options.zone ?? 'zone.test';
  const records = options.records ?? { [`${host}.${zone}`]: address };
  const [firstName] = Object.keys(records);
  const dir = lab.tempDir('dnsmasq');

  const daemon = await launch({
    name: 'dnsmasq',
    lab,
    host,
    address,
    dir,
    command: '/usr/sbin/dnsmasq',
    args: [
      '-k',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--bind-interfaces',
      `--listen-address=${address}`,
      `--port=${port}`,
      `--local=/${zone}/`,
      ...Object.entries(records).map(([name, value]) => `--host-record=${name},${value}`),
      `--pid-file=${join(dir, 'dnsmasq.pid')}`,
      '--log-facility=-',
      '--log-queries',
      ...(options.extraArgs ?? []),
    ],
    // Bound first: a query sent before the socket exists would cost a full client timeout.
    ready: async () => {
      if (!(await lab.listening(host, 'udp', port))) return false;
      const reply = await lab.exec(host, 'dig', [
        `@${address}`, '-p', String(port), '+time=1', '+tries=1', firstName ?? `ready.${zone}`, 'A',
      ]);
      return reply.code === 0 && /status: (NOERROR|NXDOMAIN)/.test(reply.stdout);
    },
  });
  return { ...daemon, port, zone, records };
}
