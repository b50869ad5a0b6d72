import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, NetcheckError } from '../../core/errors.js';
import { durationSchema, LIMITS, parseFlagValue } from '../../core/settings.js';
import { startLab } from '../../lab/index.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log.js';

export interface LabFlags {
  readonly dir: string;
  readonly for?: string;
  readonly elements?: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

/**
 * `psm-netcheck lab`: the simulated PSM network on loopback, with its inventory written to
 * `--dir`, until Ctrl-C or for `--for DURATION`. `check -i DIR/inventory.yaml --from psm-server-1`
 * then gives what `demo` gives.
 */
export async function labCommand(flags: LabFlags): Promise<number> {
  const log = createLogger(flags.logLevel, flags.logFormat);
  const forMs = flags.for === undefined ? undefined : parseFlagValue('--for', flags.for, durationSchema(LIMITS.runForMs));
  const elements = flags.elements === undefined ? undefined : Number(flags.elements);
  if (elements !== undefined && (!Number.isInteger(elements) || elements < 1 || elements > 4000)) {
    throw new NetcheckError('E_USAGE', `--elements ${flags.elements}: expected a whole number from 1 to 4000`);
  }

  const dir = resolve(flags.dir);
  await mkdir(dir, { recursive: true });
  const lab = await startLab(elements === undefined ? {} : { elements });
  const inventory = await lab.writeInventory(dir);
  log.info({ inventory, network: lab.network, hosts: lab.hosts.length, faults: lab.faults.length }, 'lab started');
  process.stdout.write(
    `Simulated PSM network: ${lab.hosts.length} hosts on ${lab.network}, ${lab.faults.length} faults on purpose.\n` +
      `Inventory: ${inventory}\n` +
      `Check it:  psm-netcheck check -i ${inventory} --from ${lab.vantage}\n` +
      `${forMs === undefined ? 'Ctrl-C stops it.' : `It stops by itself in ${flags.for}.`}\n`,
  );

  await new Promise<void>((done) => {
    const stop = (): void => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    const timer = forMs === undefined ? undefined : setTimeout(stop, forMs);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await lab.close();
  log.info('lab stopped');
  return EXIT.ok;
}
