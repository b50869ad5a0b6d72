import { extname } from 'node:path';
import { EXIT, NetcheckError } from '../../core/errors.js';
import { loadInventory } from '../../inventory/load.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log.js';
import { OutputProblem, resolveOutputTarget, writeAtomically, writeThrough, writeToDescriptor, type OutputTarget } from '../../report/index.js';
import { byFamily } from '../../rules/addresses.js';
import { buildRules } from '../../rules/build.js';
import { isRulesFormat, RULES_FORMAT_NAMES, RULES_FORMATS, rulesFormatOfExtension, type RulesFormatName } from '../../rules/formats.js';
import type { RuleSet } from '../../rules/types.js';

export interface RulesFlags {
  readonly inventory: string;
  readonly output: string[];
  readonly format: RulesFormatName | 'none';
  readonly perHost?: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

interface PreparedOutput {
  readonly format: RulesFormatName;
  readonly path: string;
  readonly target: OutputTarget;
}

/**
 * `psm-netcheck rules -i INVENTORY`: the firewall change request for the deployment
 * (src/rules/build.ts), as a table for the ticket or a rule set to load. Sends nothing and reads
 * no secret. Every output is checked before the inventory is read, as `check` does.
 */
export async function rulesCommand(flags: RulesFlags): Promise<number> {
  const log = createLogger(flags.logLevel, flags.logFormat);
  const outputs = await prepareOutputs(flags.output);
  const inventory = await loadInventory(flags.inventory, { requireSecrets: false });
  const rules = buildRules(inventory, { perHost: flags.perHost === true, inventoryLabel: flags.inventory });
  log.info(rules.summary, 'rules');
  const names = dnsNames(rules);
  const firewall = [flags.format, ...outputs.map((o) => o.format)].some((f) => f === 'nft' || f === 'iptables' || f === 'ip6tables');
  if (firewall && names.length > 0) {
    log.warn({ hosts: names }, 'hosts named by DNS only get no firewall rule (a rule needs an address): each is a comment in the rule set');
  }

  for (const output of outputs) {
    const text = RULES_FORMATS[output.format].format(rules);
    try {
      const target = output.target;
      if (target.mode === 'descriptor') await writeToDescriptor(target.fd, text);
      else await (target.mode === 'replace' ? writeAtomically(target.path, text) : writeThrough(target.path, text));
    } catch (error) {
      throw new NetcheckError('E_OUTPUT', `--output ${output.path}: ${(error as Error).message}`);
    }
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

/** `-o request.csv`, `-o nft=/etc/nftables.d/psm.conf`: each checked before the inventory is read. */
async function prepareOutputs(values: readonly string[]): Promise<PreparedOutput[]> {
  const prepared: PreparedOutput[] = [];
  for (const value of values) {
    const match = /^([a-z0-9]+)=(.+)$/.exec(value);
    let format: RulesFormatName | undefined;
    let path = value;
    if (match !== null) {
      const [, name = '', rest = ''] = match;
      if (!isRulesFormat(name)) {
        throw new NetcheckError('E_USAGE', `--output ${value}: unknown format "${name}" (known: ${RULES_FORMAT_NAMES.join(', ')})`);
      }
      format = name;
      path = rest;
    } else {
      format = rulesFormatOfExtension(extname(value).toLowerCase());
      if (format === undefined) throw new NetcheckError('E_USAGE', `--output ${value}: cannot tell the format from the extension; write it as csv=${value}`);
    }
    try {
      prepared.push({ format, path, target: await resolveOutputTarget(path) });
    } catch (error) {
      if (!(error instanceof OutputProblem)) throw error;
      throw new NetcheckError('E_OUTPUT', `--output ${path}: ${(error as Error).message}`);
    }
  }
  return prepared;
}
