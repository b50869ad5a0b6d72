import type { RuleEntry, RuleSet } from './types.js';

/** The opening comment of a loadable rule set: what it is, from what, and how to load it. */
export function firewallHeader(rules: RuleSet, load: string): string[] {
  return [
    `# psm-netcheck ${rules.tool.version} rules: the flows the vendor's port tables (PSM Networking Considerations, Tables 1-8)`,
    `# require for ${rules.inventory}: ${rules.summary.allow} allow and ${rules.summary.deny} deny entries, ${rules.summary.paths} paths.`,
    `# Load: ${load}. Each rule's comment is its matrix row id (psm-netcheck matrix).`,
  ];
}

/**
 * The comment of a rule: the row id, which `psm-netcheck matrix` and the reports use. Inventory
 * path names are free text: only characters that every firewall's comment takes are kept.
 */
export function commentText(entry: RuleEntry): string {
  return entry.row.replace(/[^A-Za-z0-9:._/ -]/g, '_').slice(0, 120);
}

/**
 * The line in place of the rules of the hosts an entry names by DNS only. No rule by name: nft and
 * iptables both resolve a name once, when the rule set is loaded, and keep the addresses of that
 * moment (a rule that follows DNS is not something either offers), and a load fails outright when
 * the resolver does not answer. The installer gives the addresses, knowing which they are.
 */
export function dnsNameComment(entry: RuleEntry, names: readonly string[]): string {
  return `# ${entry.id} ${entry.row}: no rule for ${names.join(', ')}: a firewall resolves a DNS name only once, when the rule set is loaded; give the host's addresses in the inventory`;
}

/** Ports as firewall items: `22`, `9999-10100` (a one-port range as one port). */
export function portItems(ports: readonly string[]): string[] {
  return ports.map((port) => {
    const [from, to] = port.split('-');
    return to === undefined || to === from ? (from ?? port) : `${from}-${to}`;
  });
}
