import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsLab } from '../netns.js';
import type { ProcessHandle } from '../process.js';
import { runOk } from '../process.js';
import { launch, pollUntil, START_TIMEOUT_MS, tcpListening } from './common.js';
import type { DaemonHandle, DaemonLab } from './common.js';
import { ensureLabUser, LAB_PASSWORD, LAB_USER } from './lab-user.js';

/**
 * OpenSSH's sshd in the foreground (`-D -e`), with its own ed25519 host key, password login for
 * the lab user (`UsePAM no`), and optionally a real NETCONF server behind the `netconf`
 * subsystem: yuma123's netconfd, reached through /usr/sbin/netconf-subsystem over a unix socket.
 */

/** What sshd needs of a lab (netns.ts's, or routed-lab.ts's with its management network). */
export type SshdLab = DaemonLab & Pick<NetnsLab, 'addr' | 'tempDir'>;

export interface SshdOptions {
  /** Ports sshd listens on. Default [22]; NETCONF ports are added automatically. */
  ports?: readonly number[];
  /** Default: the host's IPv4 address. */
  address?: string;
  /** Start netconfd and offer the `netconf` subsystem (sshd offers it on every port it listens on). */
  netconf?: boolean | { ports?: readonly number[] };
  /** More sshd_config lines, appended as given. */
  extraConfig?: readonly string[];
  /**
   * A public key line (`ssh-ed25519 AAAA...`) that may log in as root, for tests that manage the
   * namespace as a host (Ansible). Its authorized_keys file sits in the lab's temp directory, under
   * /dev/shm: StrictModes is off, since sshd refuses key files below a world-writable directory.
   */
  rootKey?: string;
}

export interface NetconfServer {
  /** Ports whose subsystem requests are relayed to netconfd (it rejects sessions from other ports). */
  readonly ports: readonly number[];
  readonly socketPath: string;
  readonly process: ProcessHandle;
}

export interface SshdHandle extends DaemonHandle {
  readonly ports: readonly number[];
  readonly user: string;
  readonly password: string;
  /** `SHA256:...` as `ssh-keygen -lf` prints it. */
  readonly hostKeyFingerprint: string;
  /** The public key line, e.g. `ssh-ed25519 AAAA...`. */
  readonly hostKeyPublic: string;
  readonly netconf: NetconfServer | undefined;
}

export async function startSshd(lab: SshdLab, host: string, options: SshdOptions = {}): Promise<SshdHandle> {
  await ensureLabUser();
  const address = options.address ?? lab.addr(host);
  const dir = lab.tempDir('sshd');
  const netconfPorts =
    options.netconf === undefined || options.netconf === false
      ? undefined
      : [...((options.netconf === true ? undefined : options.netconf.ports) ?? [830])];
  const ports = [...new Set([...(options.ports ?? [22]), ...(netconfPorts ?? [])])];

  // sshd refuses to start without its privilege-separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  await runOk('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-C', `netcheck-lab-${host}`, '-f', hostKey]);
  const fingerprintLine = (await runOk('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`])).stdout;
  const hostKeyFingerprint = fingerprintLine.split(' ')[1] ?? '';
  const hostKeyPublic = readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');

  const netconf = netconfPorts === undefined ? undefined : await startNetconfd(lab, host, dir, netconfPorts);

  const socketArgs = (netconfPorts ?? []).map((port) => `--ncxserver-sockname=${port}@${netconf?.socketPath ?? ''}`);
  const config = [
    ...ports.map((port) => `Port ${port}`),
    `ListenAddress ${address}`,
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'UsePAM no',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    'LogLevel VERBOSE',
    ...(netconf === undefined ? [] : [`Subsystem netconf /usr/sbin/netconf-subsystem ${socketArgs.join(' ')}`]),
    ...(options.extraConfig ?? []),
  ];
  if (options.rootKey !== undefined) {
    const authorizedKeys = join(dir, 'root_authorized_keys');
    writeFileSync(authorizedKeys, `${options.rootKey.trim()}\n`, { mode: 0o600 });
    // sshd takes the first value of a keyword: replace the default rather than append after it.
    config.splice(config.indexOf('PermitRootLogin no'), 1, 'PermitRootLogin prohibit-password', `AuthorizedKeysFile ${authorizedKeys}`, 'StrictModes no');
  }
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, `${config.join('\n')}\n`);

  let daemon: DaemonHandle;
  try {
    daemon = await launch({
      name: 'sshd',
      lab,
      host,
      address,
      dir,
      command: '/usr/sbin/sshd',
      args: ['-D', '-e', '-f', configPath],
      ready: async () => {
        for (const port of ports) if (!(await tcpListening(lab, host, port)())) return false;
        return true;
      },
    });
  } catch (error) {
    await netconf?.process.stop();
    throw error;
  }
  return {
    ...daemon,
    ports,
    user: LAB_USER,
    password: LAB_PASSWORD,
    hostKeyFingerprint,
    hostKeyPublic,
    netconf,
    async stop() {
      await daemon.stop();
      await netconf?.process.stop();
    },
  };
}

async function startNetconfd(lab: SshdLab, host: string, dir: string, ports: readonly number[]): Promise<NetconfServer> {
  const home = join(dir, 'yuma');
  // netconfd writes its transaction-id file under <yuma-home>/data and fails to start without it.
  mkdirSync(join(home, 'data'), { recursive: true });
  const socketPath = join(dir, 'ncxserver.sock');
  const child = lab.spawn(
    host,
    '/usr/sbin/netconfd',
    [
      '--no-startup',
      `--superuser=${LAB_USER}`,
      `--ncxserver-sockname=${socketPath}`,
      ...ports.map((port) => `--port=${port}`),
      `--home=${home}`,
      `--yuma-home=${home}`,
    ],
    // A private HOME keeps parallel netconfd instances out of each other's ~/.yuma.
    { env: { ...process.env, HOME: home }, cwd: dir },
  );
  try {
    await pollUntil(
      'netconfd',
      async () => existsSync(socketPath) && /Running netconfd server/.test(child.output()),
      child,
      START_TIMEOUT_MS,
    );
  } catch (error) {
    await child.stop(2_000);
    throw error;
  }
  return { ports, socketPath, process: child };
}
