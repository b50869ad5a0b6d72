import { formatCsv } from './csv.js';
import { formatIptables } from './iptables.js';
import { formatMarkdown } from './markdown.js';
import { formatNft } from './nft.js';
import type { RuleSet } from './types.js';

interface RulesFormatter {
  /** File name extensions that imply the format in `-o FILE`. */
  readonly extensions: readonly string[];
  readonly format: (rules: RuleSet) => string;
}

const TABLE = {
  markdown: { extensions: ['.md'], format: formatMarkdown },
  csv: { extensions: ['.csv'], format: formatCsv },
  json: { extensions: ['.json'], format: (rules) => `${JSON.stringify(rules, null, 2)}\n` },
  nft: { extensions: ['.nft'], format: formatNft },
  iptables: { extensions: ['.iptables', '.v4'], format: (rules) => formatIptables(rules, 4) },
  ip6tables: { extensions: ['.ip6tables', '.v6'], format: (rules) => formatIptables(rules, 6) },
} satisfies Record<string, RulesFormatter>;

export type RulesFormatName = keyof typeof TABLE;

/** The formats of `psm-netcheck rules` by name. */
export const RULES_FORMATS: Readonly<Record<RulesFormatName, RulesFormatter>> = TABLE;
export const RULES_FORMAT_NAMES = Object.keys(TABLE) as RulesFormatName[];

export function isRulesFormat(name: string): name is RulesFormatName {
  return Object.hasOwn(TABLE, name);
}

export function rulesFormatOfExtension(extension: string): RulesFormatName | undefined {
  return RULES_FORMAT_NAMES.find((name) => RULES_FORMATS[name].extensions.includes(extension));
}
