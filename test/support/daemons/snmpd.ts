import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsLab } from '../netns.js';
import { LAB_SUBNET4, LAB_SUBNET6 } from '../netns.js';
import { hostPort, launch } from './common.js';
import type { DaemonHandle } from './common.js';

/**
 * Net-SNMP's snmpd in the foreground: one v2c read community and one v3 user (SHA/AES, authPriv).
 * Debian ships no standard MIB files, so the agent and every client call here load none
 * (`-m '' -M /nonexistent`): use numeric OIDs.
 */

/** Client flags that stop Net-SNMP tools from trying (and complaining about) missing MIB files. */
export const NO_MIBS = ['-m', '', '-M', '/nonexistent'] as const;

export const OID_SYS_DESCR = '1.3.6.1.2.1.1.1.0';
export const OID_SYS_NAME = '1.3.6.1.2.1.1.5.0';

export interface SnmpV3User {
  readonly user: string;
  readonly authProtocol: 'SHA';
  readonly authPassword: string;
  readonly privProtocol: 'AES';
  readonly privPassword: string;
}

export interface SnmpdOptions {
  community?: string;
  v3?: Partial<Pick<SnmpV3User, 'user' | 'authPassword' | 'privPassword'>>;
  sysName?: string;
  sysDescr?: string;
  port?: number;
  /** Default: the host's IPv4 address. */
  address?: string;
  /** Who may use the community (default: the lab's IPv4 and IPv6 subnets). */
  allowFrom?: string;
  extraConfig?: readonly string[];
}

export interface SnmpdHandle extends DaemonHandle {
  readonly port: number;
  readonly community: string;
  readonly v3: SnmpV3User;
  readonly sysName: string;
  readonly sysDescr: string;
  /** The agent's snmpEngineID in hex (no 0x), as discovery reports it. */
  readonly engineId: string;
}

export async function startSnmpd(lab: NetnsLab, host: string, options: SnmpdOptions = {}): Promise<SnmpdHandle> {
  const address = options.address ?? lab.addr(host);
  const port = options.port ?? 161;
  const community = options.community ?? 'netcheck-ro';
  const v3: SnmpV3User = {
    user: options.v3?.user ?? 'netcheck',
    authProtocol: 'SHA',
    authPassword: options.v3?.authPassword ?? 'netcheck-auth-pass',
    privProtocol: 'AES',
    privPassword: options.v3?.privPassword ?? 'netcheck-priv-pass',
  };
  const sysName = options.sysName ?? `lab-${host}`;
  const sysDescr = options.sysDescr ?? `netcheck lab agent on ${host}`;
  const dir = lab.tempDir('snmpd');
  // snmpd saves its persistent state as <persistent dir>/snmpd.conf on exit: keep our config elsewhere.
  const persistDir = join(dir, 'persist');
  mkdirSync(persistDir);
  const transport = address.includes(':') ? 'udp6' : 'udp';
  const config = [
    `agentAddress ${transport}:${hostPort(address, port)}`,
    options.allowFrom === undefined
      ? `rocommunity ${community} ${LAB_SUBNET4}\nrocommunity6 ${community} ${LAB_SUBNET6}`
      : `${options.allowFrom.includes(':') ? 'rocommunity6' : 'rocommunity'} ${community} ${options.allowFrom}`,
    `createUser ${v3.user} SHA ${v3.authPassword} AES ${v3.privPassword}`,
    `rouser ${v3.user} priv`,
    `sysName ${sysName}`,
    `sysDescr ${sysDescr}`,
    ...(options.extraConfig ?? []),
  ];
  const configPath = join(dir, 'agent.conf');
  writeFileSync(configPath, `${config.join('\n')}\n`);

  const daemon = await launch({
    name: 'snmpd',
    lab,
    host,
    address,
    dir,
    command: '/usr/sbin/snmpd',
    args: ['-f', '-Lo', '-C', '-c', configPath, '-p', join(dir, 'snmpd.pid'), ...NO_MIBS],
    env: { SNMP_PERSISTENT_DIR: persistDir },
    // Bound first: a GET sent before the socket exists would cost a full client timeout.
    ready: async () => {
      if (!(await lab.listening(host, 'udp', port))) return false;
      const reply = await lab.exec(host, 'snmpget', [
        '-v2c', '-c', community, '-r', '0', '-t', '1', ...NO_MIBS, '-On', hostPort(address, port), OID_SYS_NAME,
      ]);
      return reply.code === 0 && reply.stdout.includes(sysName);
    },
  });
  return { ...daemon, port, community, v3, sysName, sysDescr, engineId: readEngineId(persistDir) };
}

/** snmpd writes its engine ID as `oldEngineID 0x...` into its persistent file at start-up. */
function readEngineId(persistDir: string): string {
  try {
    const match = /^oldEngineID 0x([0-9a-f]+)/im.exec(readFileSync(join(persistDir, 'snmpd.conf'), 'utf8'));
    return match?.[1]?.toLowerCase() ?? '';
  } catch {
    return '';
  }
}
