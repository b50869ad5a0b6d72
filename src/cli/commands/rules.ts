import { EXIT } from '../../core/errors.js';
import { prepareNamedOutputs, writeNamedOutput } from '../named-outputs.js';
import { loadInventory } from '../../inventory/load.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log.js';
import { byFamily } from '../../rules/addresses.js';
import { buildRules } from '../../rules/build.js';
import { isRulesFormat, RULES_FORMAT_NAMES, RULES_FORMATS, rulesFormatOfExtension, type RulesFormatName } from '../../rules/formats.js';
import type { DenyTarget, RuleSet } from '../../rules/types.js';

export interface RulesFlags {
  readonly inventory: string;
  readonly output: string[];
  readonly format: RulesFormatName | 'none';
  readonly perHost?: boolean;
  readonly deny?: DenyTarget;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

/**
 * `psm-netcheck rules -i INVENTORY`: the firewall change request for the deployment
 * (src/rules/build.ts), as a table for the ticket or a rule set to load. Sends nothing and reads
 * no secret. Every output is checked before the inventory is read, as `check` does.
 */
export async function rulesCommand(flags: RulesFlags): Promise<number> {
  const log = createLogger(flags.logLevel, flags.logFormat);
  const outputs = await prepareNamedOutputs(flags.output, { prefix: /^([a-z0-9]+)=(.+)$/, names: RULES_FORMAT_NAMES, isFormat: isRulesFormat, ofExtension: rulesFormatOfExtension, example: 'csv' });
  const inventory = await loadInventory(flags.inventory, { requireSecrets: false });
  const rules = buildRules(inventory, { perHost: flags.perHost === true, deny: flags.deny ?? 'drop', inventoryLabel: flags.inventory });
  log.info(rules.summary, 'rules');
  const names = dnsNames(rules);
  const firewall = [flags.format, ...outputs.map((o) => o.format)].some((f) => f === 'nft' || f === 'iptables' || f === 'ip6tables');
  if (firewall && names.length > 0) {
    log.warn({ hosts: names }, 'hosts named by DNS only get no firewall rule (a firewall resolves a name once, when the rule set is loaded): each is a comment in the rule set; give their addresses in the inventory');
  }

  for (const output of outputs) {
    await writeNamedOutput(output, RULES_FORMATS[output.format].format(rules));
  }
  if (flags.format !== 'none') process.stdout.write(RULES_FORMATS[flags.format].format(rules));
  return EXIT.ok;
}

function dnsNames(rules: RuleSet): string[] {
  const names = new Set<string>();
  for (const entry of rules.entries) {
    for (const name of [...byFamily(entry.sources).names, ...byFamily(entry.destinations).names]) names.add(name);
  }
  return [...names];
}

