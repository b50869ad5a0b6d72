import { EXIT } from '../../core/errors.js';
import { loadInventory } from '../../inventory/load.js';
import { sharedAddresses } from '../../inventory/shared-addresses.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log.js';
import { planChecks } from '../../planner/plan.js';
import { findVantage } from '../../planner/vantage.js';
import { formatPlan, planJson } from '../plan-format.js';

export async function planCommand(options: { inventory: string; from?: string; json?: boolean; logLevel: LogLevel; logFormat: LogFormat }): Promise<number> {
  const log = createLogger(options.logLevel, options.logFormat);
  // A plan sends nothing and logs in nowhere: secrets need not be readable for it.
  const inventory = await loadInventory(options.inventory, { requireSecrets: false });
  const vantage = findVantage(inventory, options.from);
  const plan = planChecks(inventory, vantage);
  log.info({ probes: plan.probes.length, notTestable: plan.notTestable.length }, 'planned');
  const shared = sharedAddresses(inventory);
  process.stdout.write(options.json === true ? `${JSON.stringify(planJson(plan, shared), null, 2)}\n` : formatPlan(plan, shared));
  return EXIT.ok;
}
