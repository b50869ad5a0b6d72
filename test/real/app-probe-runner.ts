import pino from 'pino';
import ftp from '../../probes/ftp.js';
import http from '../../probes/http.js';
import { deadlineSignal } from '../../probes/lib/abort.js';
import mysql from '../../probes/mysql.js';
import telnet from '../../probes/telnet.js';
import tl1 from '../../probes/tl1.js';
import type { ProbeDefinition, ProbeTarget } from '../../probes/types.js';

/**
 * Runs one application probe (http, ftp, mysql, telnet, tl1) and prints its facts as JSON. The
 * real-daemon tests start it, compiled, inside a lab namespace: a process cannot move its own
 * sockets into another network namespace. None of these probes takes credentials.
 */
export interface AppProbeRequest {
  readonly kind: 'http' | 'ftp' | 'mysql' | 'telnet' | 'tl1';
  readonly target: ProbeTarget;
  readonly options?: Record<string, unknown>;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

const erase = (probe: unknown): ProbeDefinition<unknown> => probe as ProbeDefinition<unknown>;
const PROBES: Record<AppProbeRequest['kind'], ProbeDefinition<unknown>> = {
  http: erase(http),
  ftp: erase(ftp),
  mysql: erase(mysql),
  telnet: erase(telnet),
  tl1: erase(tl1),
};

const request = JSON.parse(process.argv[2] ?? '{}') as AppProbeRequest;
const probe = PROBES[request.kind];
const timeoutMs = request.timeoutMs ?? 5000;
const deadline = deadlineSignal(timeoutMs);
try {
  const facts = await probe.run(request.target, {
    signal: deadline.signal,
    timeoutMs,
    options: probe.optionsSchema.parse(request.options ?? {}),
    credentials: {},
    maxBytes: request.maxBytes ?? 65536,
    log: pino({ level: 'silent' }),
  });
  process.stdout.write(`${JSON.stringify(facts)}\n`);
} finally {
  deadline.cancel();
}
// No process.exit(): the probes close politely (QUIT/COM_QUIT, FIN, a grace period) and that
// must finish, or the daemon logs a reset instead of an orderly end.
