import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsLab } from '../netns.js';
import { hostPort, launch } from './common.js';
import type { DaemonHandle } from './common.js';
import { NO_MIBS } from './snmpd.js';
import type { SnmpV3User } from './snmpd.js';

/**
 * Net-SNMP's snmptrapd in the foreground, accepting (and acknowledging) v2c traps/informs with
 * one community and v3 informs from one user (SHA/AES authPriv; for informs the receiver is the
 * authoritative engine, so no engine ID is configured). Seen here: an inform with an unknown
 * community gets no Response at all.
 */

export interface SnmptrapdOptions {
  community?: string;
  v3?: Partial<Pick<SnmpV3User, 'user' | 'authPassword' | 'privPassword'>>;
  port?: number;
  address?: string;
  extraConfig?: readonly string[];
}

export interface SnmptrapdHandle extends DaemonHandle {
  readonly port: number;
  readonly community: string;
  readonly v3: SnmpV3User;
  /** Everything snmptrapd logged, received notifications included (one block per notification). */
  received(): string;
  /** Waits until a logged notification matches (e.g. the numeric trap OID), bounded by timeoutMs. */
  waitForNotification(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

export async function startSnmptrapd(lab: NetnsLab, host: string, options: SnmptrapdOptions = {}): Promise<SnmptrapdHandle> {
  const address = options.address ?? lab.addr(host);
  const port = options.port ?? 162;
  const community = options.community ?? 'netcheck-trap';
  const v3: SnmpV3User = {
    user: options.v3?.user ?? 'netcheck-trap',
    authProtocol: 'SHA',
    authPassword: options.v3?.authPassword ?? 'netcheck-trap-auth',
    privProtocol: 'AES',
    privPassword: options.v3?.privPassword ?? 'netcheck-trap-priv',
  };
  const dir = lab.tempDir('snmptrapd');
  const persistDir = join(dir, 'persist');
  mkdirSync(persistDir);
  const config = [
    `authCommunity log,execute,net ${community}`,
    `createUser ${v3.user} SHA ${v3.authPassword} AES ${v3.privPassword}`,
    `authUser log,execute,net ${v3.user} priv`,
    ...(options.extraConfig ?? []),
  ];
  const configPath = join(dir, 'snmptrapd.conf');
  writeFileSync(configPath, `${config.join('\n')}\n`);
  const transport = address.includes(':') ? 'udp6' : 'udp';

  const daemon = await launch({
    name: 'snmptrapd',
    lab,
    host,
    address,
    dir,
    command: '/usr/sbin/snmptrapd',
    args: [
      '-f', '-Lo', '-C', '-c', configPath, '-p', join(dir, 'snmptrapd.pid'), ...NO_MIBS,
      `${transport}:${hostPort(address, port)}`,
    ],
    env: { SNMP_PERSISTENT_DIR: persistDir },
    // Sending an inform to check readiness would show up in received(): look at the socket instead.
    ready: () => lab.listening(host, 'udp', port),
  });
  return {
    ...daemon,
    port,
    community,
    v3,
    received: () => daemon.process.output(),
    waitForNotification: (pattern, timeoutMs = 5_000) => daemon.process.waitForOutput(pattern, timeoutMs),
  };
}
