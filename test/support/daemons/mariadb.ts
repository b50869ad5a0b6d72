import { join } from 'node:path';
import type { NetnsLab } from '../netns.js';
import { runOk } from '../process.js';
import { launch } from './common.js';
import type { DaemonHandle } from './common.js';

/**
 * MariaDB in the foreground with a private data directory made by mariadb-install-db (grant
 * tables on), listening on the host's address, plus one least-privilege login for probes.
 * Measured here (tmpfs): install ~2 s, start-up to first ping ~1-2 s.
 */

/**
 * A throw-away database needs neither durability nor memory: small InnoDB files and no
 * doublewrite or per-commit flush make install + start several seconds faster.
 */
const FAST_INNODB = [
  '--innodb-buffer-pool-size=16M',
  '--innodb-log-file-size=8M',
  '--skip-innodb-doublewrite',
  '--innodb-flush-log-at-trx-commit=0',
];

export interface MariadbOptions {
  /** The probe login (USAGE only). Default netcheck_probe / netcheck-probe-password. */
  user?: string;
  password?: string;
  port?: number;
  address?: string;
  /** More mariadbd arguments, e.g. ['--max-connect-errors=3']. */
  extraArgs?: readonly string[];
}

export interface MariadbHandle extends DaemonHandle {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** `SELECT VERSION()`, e.g. `10.11.x-MariaDB-0+deb12u1`; the greeting shows it as `5.5.5-<version>`. */
  readonly version: string;
  /** Unix socket for administrative statements as root (`mariadb --socket=... -e ...`). */
  readonly socketPath: string;
}

export async function startMariadb(lab: NetnsLab, host: string, options: MariadbOptions = {}): Promise<MariadbHandle> {
  const address = options.address ?? lab.addr(host);
  const port = options.port ?? 3306;
  const user = options.user ?? 'netcheck_probe';
  const password = options.password ?? 'netcheck-probe-password';
  const dir = lab.tempDir('mariadb');
  const dataDir = join(dir, 'data');
  const socketPath = join(dir, 'mysqld.sock');
  await runOk(
    'mariadb-install-db',
    [
      '--no-defaults', `--datadir=${dataDir}`, '--user=root', '--auth-root-authentication-method=socket', '--skip-test-db',
      ...FAST_INNODB,
    ],
    { timeoutMs: 60_000 },
  );

  const daemon = await launch({
    name: 'mariadbd',
    lab,
    host,
    address,
    dir,
    command: '/usr/sbin/mariadbd',
    args: [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${socketPath}`,
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      `--tmpdir=${dir}`,
      `--bind-address=${address}`,
      `--port=${port}`,
      '--user=root',
      '--skip-log-bin',
      '--skip-name-resolve',
      ...FAST_INNODB,
      ...(options.extraArgs ?? []),
    ],
    ready: async () => (await lab.exec(host, 'mariadb-admin', ['--no-defaults', `--socket=${socketPath}`, 'ping'])).code === 0,
    timeoutMs: 30_000,
  });
  try {
    const sql = (statement: string) =>
      lab.execOk(host, 'mariadb', ['--no-defaults', `--socket=${socketPath}`, '-N', '-B', '-e', statement]);
    await sql(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password.replace(/'/g, "''")}'`);
    const version = (await sql('SELECT VERSION()')).stdout.trim();
    return { ...daemon, port, user, password, version, socketPath };
  } catch (error) {
    await daemon.stop();
    throw error;
  }
}
