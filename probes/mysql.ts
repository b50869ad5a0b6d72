import { z } from 'zod';
import { defineReasons } from '../src/core/reasons.js';
import { CLIENT_SSL, COM_QUIT_AFTER_GREETING, greetingMatcher, parseGreeting } from './protocols/mysql/packet.js';
import { printable } from './kit/printable.js';
import { readEndFacts } from './kit/read-end.js';
import { tcpProbe } from './kit/tcp-probe.js';
import { defineProbe, type Outcome, type ReasonOf } from '../src/core/probe.js';

const reasons = defineReasons({
  'mysql-ok': { outcome: 'ok', summary: 'the MySQL/MariaDB server sent its handshake greeting' },
  'host-not-allowed': {
    outcome: 'fail',
    summary: 'error 1130: no account may connect from this host (the grant tables name other hosts)',
  },
  'host-blocked': {
    outcome: 'fail',
    summary: 'error 1129: this host is blocked after max_connect_errors handshake errors; run FLUSH HOSTS on the server',
  },
  'too-many-connections': { outcome: 'fail', summary: 'error 1040: the server is at max_connections' },
  'mysql-error': {
    outcome: 'fail',
    summary: 'the server refused the connection with an error packet before the handshake (code in the evidence)',
  },
});

const optionsSchema = z
  .object({
    quit: z
      .boolean()
      .default(true)
      .describe('After the greeting send COM_QUIT (sequence 1) before FIN; false closes with FIN alone'),
  })
  .strict();

type Reason = ReasonOf<typeof reasons>;

const ERROR_REASONS: Readonly<Record<number, keyof typeof reasons>> = {
  1130: 'host-not-allowed',
  1129: 'host-blocked',
  1040: 'too-many-connections',
};

/**
 * MySQL / MariaDB: the server speaks first, so its greeting packet proves the service (version,
 * connection id, capabilities), and an ERR packet instead tells why it refuses this host.
 *
 * How to leave without credentials. The polite way (HAProxy's `mysql-check user`) is a login
 * followed by COM_QUIT; without an account every way out is a failed handshake for the server.
 * What each costs, measured on MariaDB 10.11 from a non-loopback address (loopback skips the
 * host cache) with max_connect_errors=3: FIN, RST, COM_QUIT with sequence 0 or 1, junk and
 * idling into connect_timeout each raise COUNT_HANDSHAKE_ERRORS and Aborted_connects by one and
 * none raises SUM_CONNECT_ERRORS, so no number of probes blocked the host. The difference is in
 * the log: COM_QUIT with sequence 1 (the slot of the client's HandshakeResponse) leaves only the
 * usual "Aborted connection ... closed normally without authentication" warning; sequence 0
 * adds "[ERROR] Got packets out of order", FIN and RST add "Could not read packet". So the
 * probe sends COM_QUIT with sequence 1, then FIN.
 * Oracle MySQL (not measured; from reading sql_authentication.cc and hostname.cc) counts a
 * handshake error toward max_connect_errors for hosts in its host cache, whichever way the
 * client leaves: probing it more often than real clients log in can block the prober's host.
 */
const mysqlProbe = defineProbe({
  kind: 'mysql',
  transport: 'tcp',
  summary: 'MySQL/MariaDB greeting: version and capabilities, or the refusal (1130, 1129, 1040); never logs in',
  optionsSchema,
  reasons,
  run: (target, ctx) =>
    tcpProbe(target, ctx, { port: 3306 }, async (conn): Promise<Outcome<Reason>> => {
      const read = await conn.reader.read(greetingMatcher, conn.signal);
      conn.clock.mark('greeting');
      // Part of a packet and then a close or silence: "closed after N bytes", or incomplete.
      if (read.end !== 'matched') return readEndFacts(read.end, 'greeting', read.errorCode, read.data.length);

      // The server waits for the client after its greeting: bytes past the packet mean it is not one.
      const trailing = conn.reader.buffered;
      const greeting = trailing > 0 ? { kind: 'malformed' as const, why: `${trailing} bytes after the packet its header announced` } : parseGreeting(read.data);
      if (greeting.kind === 'malformed') return notMysql(greeting.why, read.data);
      if (greeting.kind === 'error') {
        const reason = ERROR_REASONS[greeting.code] ?? 'mysql-error';
        const message = printable(greeting.message, 200);
        return { state: 'open', reason, message, evidence: { errorCode: greeting.code, errorMessage: message } };
      }

      if (ctx.options.quit) conn.write(COM_QUIT_AFTER_GREETING);
      return {
        state: 'open',
        reason: 'mysql-ok',
        evidence: {
          protocol: greeting.protocol,
          serverVersion: printable(greeting.serverVersion, 100),
          mariadb: greeting.mariadb,
          connectionId: greeting.connectionId,
          capabilities: `0x${greeting.capabilities.toString(16).padStart(8, '0')}`,
          tls: (greeting.capabilities & CLIENT_SSL) !== 0,
          ...(greeting.authPlugin === undefined ? {} : { authPlugin: printable(greeting.authPlugin, 64) }),
        },
      };
    }),
});

export default mysqlProbe;

// ---- helpers ----

function notMysql(why: string, data: Buffer): Outcome<'unexpected-protocol'> {
  return {
    state: 'open',
    reason: 'unexpected-protocol',
    message: `no MySQL greeting: ${why}`,
    evidence: { firstBytes: data.subarray(0, 16).toString('hex'), firstText: printable(data.subarray(0, 80), 80) },
  };
}
