import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import type * as PinoPretty from 'pino-pretty';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `auto`: sentences on a terminal, JSON lines otherwise (a pipe, a file, the journal). */
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Where logs go and what the terminal allows: stderr, NO_COLOR. Tests give their own. */
export interface LogTarget {
  readonly isTTY: boolean;
  readonly noColor: boolean;
}

const STDERR: () => LogTarget = () => ({ isTTY: process.stderr.isTTY === true, noColor: (process.env.NO_COLOR ?? '') !== '' });

/**
 * Logs go to stderr (reports own stdout). On a terminal, as sentences a person reads
 * (`WARN: no previous report yet: this run is not compared {"compare":"..."}`) by pino-pretty,
 * pino's own prettifier; anywhere else, or with `--log-format json`, as pino JSON lines for a log
 * collector. Synchronous writes either way, so that nothing is lost when the process exits right
 * after a run. Credentials never reach a log: they are Secret objects, which serialize as
 * "[redacted]"; `redact` is a second guard for the fields that could hold one.
 */
export function createLogger(level: LogLevel = 'warn', format: LogFormat = 'auto', target: LogTarget = STDERR()): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && target.isTTY);
  return pino(
    {
      level,
      base: { name: 'psm-netcheck' },
      redact: { paths: ['password', 'community', 'secret', 'authKey', 'privKey', '*.password', '*.secret'], censor: '[redacted]' },
    },
    pretty ? prettyStderr(!target.noColor && target.isTTY) : pino.destination({ fd: 2, sync: true }),
  );
}

/**
 * pino-pretty as a stream in this thread (not a transport: those run in a worker, and a line
 * written just before exit could be lost). Loaded only here: its module tree costs start-up
 * time that JSON logging, the usual case under cron and systemd, does not pay.
 */
function prettyStderr(colorize: boolean): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty.build({
    destination: 2,
    sync: true,
    colorize,
    // One line per event, level first, the context after the sentence; the process and host
    // are this terminal's own, and the tool's name is the prompt the user just typed.
    singleLine: true,
    ignore: 'pid,hostname,name,time',
  });
}
