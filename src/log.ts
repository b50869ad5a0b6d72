import pino, { type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Logs are pino JSON lines on stderr (reports own stdout). Synchronous writes, so that nothing
 * is lost when the process exits right after a run. Credentials never reach a log: they are
 * Secret objects, which serialize as "[redacted]"; `redact` is a second guard for the fields
 * that could hold one.
 */
export function createLogger(level: LogLevel = 'warn'): Logger {
  return pino(
    {
      level,
      base: { name: 'psm-netcheck' },
      redact: { paths: ['password', 'community', 'secret', 'authKey', 'privKey', '*.password', '*.secret'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
