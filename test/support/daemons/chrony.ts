import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsLab } from '../netns.js';
import { LAB_SUBNET4, LAB_SUBNET6 } from '../netns.js';
import { launch } from './common.js';
import type { DaemonHandle } from './common.js';

/**
 * chronyd as an NTP server in the foreground. `-x` keeps it off the machine's clock. With a
 * `local stratum N` line it serves time at that stratum; without one (and with no sources) it
 * answers unsynchronized: LI=3, stratum 0 on the wire, which is not a kiss-of-death.
 */

export interface ChronyOptions {
  /** `local stratum N`; null for an unsynchronized server. Default 10. */
  localStratum?: number | null;
  /** Client subnets allowed to query (default: the lab's IPv4 and IPv6 subnets); null opens no NTP port at all. */
  allow?: string | readonly string[] | null;
  port?: number;
  address?: string;
  extraConfig?: readonly string[];
}

export interface ChronyHandle extends DaemonHandle {
  readonly port: number;
  /** The stratum it serves, or null when unsynchronized. */
  readonly localStratum: number | null;
  /** Unix command socket, for `chronyc -h <path> ...` inside the host. */
  readonly commandSocket: string;
}

export async function startChrony(lab: NetnsLab, host: string, options: ChronyOptions = {}): Promise<ChronyHandle> {
  const address = options.address ?? lab.addr(host);
  const port = options.port ?? 123;
  const localStratum = options.localStratum === undefined ? 10 : options.localStratum;
  const allow = options.allow === undefined ? [LAB_SUBNET4, LAB_SUBNET6] : options.allow;
  const dir = lab.tempDir('chrony');
  // chronyd refuses a command-socket directory that others can read or write.
  const socketDir = join(dir, 'cmd');
  mkdirSync(socketDir, { mode: 0o750 });
  const commandSocket = join(socketDir, 'chronyd.sock');
  const config = [
    `bindaddress ${address}`,
    `port ${port}`,
    ...(allow === null ? [] : [allow].flat().map((subnet) => `allow ${subnet}`)),
    ...(localStratum === null ? [] : [`local stratum ${localStratum}`]),
    `bindcmdaddress ${commandSocket}`,
    `pidfile ${join(dir, 'chronyd.pid')}`,
    ...(options.extraConfig ?? []),
  ];
  const configPath = join(dir, 'chrony.conf');
  writeFileSync(configPath, `${config.join('\n')}\n`);

  const daemon = await launch({
    name: 'chronyd',
    lab,
    host,
    address,
    dir,
    command: '/usr/sbin/chronyd',
    args: ['-x', '-d', '-u', 'root', '-f', configPath],
    ready: async () => {
      const tracking = await lab.exec(host, 'chronyc', ['-h', commandSocket, 'tracking']);
      return tracking.code === 0 && (allow === null || (await lab.listening(host, 'udp', port)));
    },
  });
  return { ...daemon, port, localStratum, commandSocket };
}
