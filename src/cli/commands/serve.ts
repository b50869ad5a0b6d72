import { once } from 'node:events';
import { executeCheck } from '../../check/execute.js';
import { pathDiagnosisFromFlags, type PathDiagnosisFlags } from '../../check/path-diagnosis-settings.js';
import { EXIT } from '../../core/errors.js';
import { loadInventory } from '../../inventory/load.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log.js';
import { findVantage } from '../../planner/vantage.js';
import { parseListen } from '../../serve/listen.js';
import { createRunLoop } from '../../serve/scheduler.js';
import { startServer } from '../../serve/server.js';
import { parseOnly } from '../only.js';
import { effectiveSettings } from '../../check/settings.js';
import { durationSchema, LIMITS, parseFlagValue, type RunFlags } from '../../core/settings.js';
import { interruptSignal } from '../signals.js';

export interface ServeFlags extends RunFlags, PathDiagnosisFlags {
  readonly inventory: string;
  readonly from?: string;
  readonly interval: string;
  readonly listen: string;
  readonly only?: string[];
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

/**
 * `psm-netcheck serve`: check every interval and serve the last report over HTTP until SIGINT or
 * SIGTERM. Flags and the inventory are checked once, before listening: a bad inventory exits 2
 * and nothing is probed nor served.
 */
export async function serveCommand(flags: ServeFlags): Promise<number> {
  const log = createLogger(flags.logLevel, flags.logFormat);
  const intervalMs = parseInterval(flags.interval);
  const listen = parseListen(flags.listen);
  const only = parseOnly(flags.only);
  const inventory = await loadInventory(flags.inventory, { requireSecrets: true });
  const vantage = findVantage(inventory, flags.from);
  const settings = effectiveSettings(inventory.defaults, flags);
  // As for check: the observer and --locate run where the process has CAP_NET_RAW (each run opens
  // and closes its raw sockets); without it, each report says they were off and why.
  const pathDiagnosis = pathDiagnosisFromFlags(flags, intervalMs);

  const loop = createRunLoop({
    intervalMs,
    log,
    run: (signal) => executeCheck({ inventory, vantage, settings, signal, log, pathDiagnosis, ...(only === undefined ? {} : { only }) }),
  });
  // Signals are ours from before the socket opens, so that a stop never finds a half-started server.
  const interrupt = interruptSignal(log);
  try {
    const server = await startServer({ ...listen, intervalMs, snapshot: () => loop.snapshot(), vantage: vantage.name, log });
    // With --listen HOST:0 this line is how a caller learns the port.
    log.info({ host: server.address.host, port: server.address.port, intervalMs, vantage: vantage.name }, 'listening');
    loop.start();
    if (!interrupt.signal.aborted) await once(interrupt.signal, 'abort');
    // The run in flight is aborted (its probes stop at their signal), then the server closes.
    await loop.stop();
    await server.close();
  } finally {
    interrupt.dispose();
  }
  log.info('stopped');
  return EXIT.ok;
}

const INTERVAL = durationSchema(LIMITS.serveIntervalMs);

function parseInterval(text: string): number {
  return parseFlagValue('--interval', text, INTERVAL);
}
