import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeFacts } from '../../src/core/probe.js';
import { startMariadb, type MariadbHandle } from '../support/daemons/mariadb.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { binary, missing, netns, titleWith } from '../support/skip.js';
import type { ProbeRequest } from './probe-runner.js';
import { probeRunnerPath } from './probe-runner-build.js';

/**
 * The mysql probe against Debian's MariaDB in a network namespace: the greeting, what leaving
 * without a login costs on the server (host cache, error log), and the 1130 refusal. The prober
 * has a non-loopback address, so the host cache applies to it (loopback is exempt).
 */

const why = missing(netns, binary('/usr/sbin/mariadbd'), binary('/usr/bin/mariadb-install-db'));

const MAX_CONNECT_ERRORS = 2;

describe.skipIf(why)(titleWith('mysql probe against MariaDB', why), () => {
  let lab: NetnsLab;
  let runner: string;
  let db: MariadbHandle;

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['prober', 'db'] });
    [runner, db] = await Promise.all([
      Promise.resolve(probeRunnerPath()),
      // The host cache (and with it blocking) exists only with name resolution on, which the lab
      // daemon turns off; performance_schema shows the cache; log_warnings=4 logs every aborted connect.
      startMariadb(lab, 'db', {
        extraArgs: [
          '--skip-name-resolve=OFF',
          `--max-connect-errors=${MAX_CONNECT_ERRORS}`,
          '--performance-schema=ON',
          '--log-warnings=4',
        ],
      }),
    ]);
  }, 180_000);
  afterAll(async () => {
    await lab?.destroy();
  });

  const probe = async (options: Record<string, unknown> = {}): Promise<ProbeFacts> => {
    const request: ProbeRequest = {
      kind: 'mysql',
      target: { host: 'db', address: lab.addr('db'), port: db.port, transport: 'tcp' },
      options,
    };
    const result = await lab.runNode('prober', runner, [JSON.stringify(request)], { timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`probe runner failed (${String(result.code)}):\n${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as ProbeFacts;
  };
  const sql = async (statement: string): Promise<string> =>
    (await lab.execOk('db', 'mariadb', ['--no-defaults', `--socket=${db.socketPath}`, '-N', '-B', '-e', statement])).stdout.trim();

  it('reads the greeting: the version without "5.5.5-", flagged as MariaDB', async () => {
    const facts = await probe();
    expect(facts).toMatchObject({
      state: 'open',
      reason: 'mysql-ok',
      evidence: { protocol: 10, serverVersion: db.version, mariadb: true, authPlugin: 'mysql_native_password' },
    });
  });

  it('leaves without blocking its host or an [ERROR] line in the server log, however often it runs', async () => {
    for (let i = 0; i < MAX_CONNECT_ERRORS * 3; i += 1) expect((await probe()).reason).toBe('mysql-ok');
    const [blocking, handshakeErrors] = (
      await sql(`SELECT SUM_CONNECT_ERRORS, COUNT_HANDSHAKE_ERRORS FROM performance_schema.host_cache WHERE IP = '${lab.addr('prober')}'`)
    )
      .split('\t')
      .map(Number);
    // Every probe is a handshake error for MariaDB, but none counts toward max_connect_errors.
    expect(handshakeErrors).toBeGreaterThanOrEqual(MAX_CONNECT_ERRORS * 3);
    expect(blocking).toBe(0);
    const log = db.process.output();
    expect(log).toContain('This connection closed normally without authentication');
    // COM_QUIT with sequence 0 would log "[ERROR] ... Got packets out of order" here.
    expect(log).not.toContain('Got packets out of order');
  });

  it('reports a host that no account may connect from as host-not-allowed (1130)', async () => {
    // MariaDB 10.11 keeps letting the host through after DROP USER until the privileges are reloaded.
    await sql(`DROP USER '${db.user}'@'%'; FLUSH PRIVILEGES`);
    const facts = await probe();
    expect(facts).toMatchObject({ state: 'open', reason: 'host-not-allowed', evidence: { errorCode: 1130 } });
    expect(facts.message).toContain(lab.addr('prober'));
  });
});
