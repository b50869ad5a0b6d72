import type { Host, Inventory } from '../inventory/types.js';
import { VERDICTS } from '../core/model.js';
import { listeningPorts } from '../planner/listening-ports.js';
import { localAddresses } from '../planner/vantage.js';
import type { PreflightCheck, PreflightSection, VerdictCounts } from '../report/types.js';
import { addressChecks } from './addresses.js';
import { ephemeralChecks, readEphemeral } from './ephemeral.js';
import { firewallChecks, readNftRuleset, type FirewallReading } from './firewall.js';
import { portChecks } from './port-checks.js';
import { findPortHolders } from './port-holders.js';

export interface PreflightOptions {
  readonly inventory: Inventory;
  /** The host this machine will become (the vantage). */
  readonly host: Host;
  /** This machine's addresses; default: its interfaces. */
  readonly machineAddresses?: readonly string[];
  /** Where /proc is (tests point it at a fixture). */
  readonly procRoot?: string;
  /** How the local firewall is read; default `nft -j list ruleset`. */
  readonly readFirewall?: () => Promise<FirewallReading>;
}

/**
 * The local facts that break PSM before it is installed: its ports taken by other processes, an
 * ephemeral range the seed's firewall advice does not cover or that overlaps PSM's ports, an
 * inventory address this host does not have, a local firewall that drops PSM's ports.
 * Reads /proc and (as root) nftables; sends nothing.
 */
export async function runPreflight(options: PreflightOptions): Promise<PreflightSection> {
  const procRoot = options.procRoot ?? '/proc';
  const ports = listeningPorts(options.inventory, options.host);
  const [holders, ephemeral, firewall] = await Promise.all([
    findPortHolders(ports, procRoot),
    readEphemeral(procRoot),
    (options.readFirewall ?? readNftRuleset)(),
  ]);
  const checks: PreflightCheck[] = [
    ...portChecks(ports, holders),
    ...ephemeralChecks(ephemeral.range, ephemeral.reserved, ports),
    ...addressChecks(options.host, options.machineAddresses ?? localAddresses()),
    ...firewallChecks(firewall, ports),
  ];
  return { host: options.host.name, summary: countChecks(checks), checks };
}

function countChecks(checks: readonly PreflightCheck[]): VerdictCounts {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as VerdictCounts;
  for (const check of checks) counts[check.verdict]++;
  counts.total = checks.length;
  return counts;
}
