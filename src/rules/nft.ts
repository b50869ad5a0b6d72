import { byFamily, familyItems } from './addresses.js';
import { commentText, dnsNameComment, firewallHeader, portItems } from './firewall-text.js';
import type { DenyTarget, RuleEntry, RuleSet } from './types.js';

/** The table `rules -f nft` writes; loading the file again replaces it whole. */
export const NFT_TABLE = 'psm_netcheck';

/**
 * An nftables rule set for `nft -f`: the table `inet psm_netcheck` with a `forward` chain whose
 * policy is drop, replies of allowed flows accepted by connection tracking, then one rule per
 * entry and address family, each with its matrix row id as the comment. The table is declared,
 * deleted and declared again in one file, which nft applies as one transaction: loading it
 * twice is the same as once, and a rule set that fails to load leaves the previous one in place.
 */
export function formatNft(rules: RuleSet): string {
  const lines: string[] = [
    '#!/usr/sbin/nft -f',
    ...firewallHeader(rules, `nft -f FILE (replaces the table inet ${NFT_TABLE})`),
    `table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    '  chain forward {',
    '    type filter hook forward priority filter; policy drop;',
    '    ct state established,related accept comment "replies of the flows below"',
    '    ct state invalid drop',
  ];
  for (const entry of rules.entries) lines.push(...entryRules(entry, rules.deny).map((line) => `    ${line}`));
  lines.push('  }', '}', '');
  return lines.join('\n');
}

function entryRules(entry: RuleEntry, deny: DenyTarget): string[] {
  const sources = byFamily(entry.sources);
  const destinations = byFamily(entry.destinations);
  const lines: string[] = [];
  const names = [...sources.names, ...destinations.names];
  if (names.length > 0) lines.push(dnsNameComment(entry, names));
  for (const family of [4, 6] as const) {
    const from = familyItems(sources, family);
    const to = familyItems(destinations, family);
    if (from.length === 0 || to.length === 0) continue;
    const ip = family === 4 ? 'ip' : 'ip6';
    const match = [`${ip} saddr ${set(from)}`, `${ip} daddr ${set(to)}`, protocolMatch(entry, family)].join(' ');
    lines.push(`${match} ${verdict(entry, deny)} comment "${commentText(entry)}"`);
  }
  return lines;
}

/**
 * accept; drop; or reject: a TCP reset for TCP, otherwise the `inet` table's default, an ICMP or
 * ICMPv6 port unreachable of the packet's own family (icmpx).
 */
function verdict(entry: RuleEntry, deny: DenyTarget): string {
  if (entry.action === 'allow') return 'accept';
  if (deny === 'drop') return 'drop';
  return entry.protocol === 'tcp' ? 'reject with tcp reset' : 'reject';
}

function protocolMatch(entry: RuleEntry, family: 4 | 6): string {
  if (entry.protocol === 'icmp') return family === 4 ? 'icmp type echo-request' : 'icmpv6 type echo-request';
  return `${entry.protocol} dport ${set(portItems(entry.ports))}`;
}

/** One item as it is, several as an anonymous set (which takes ranges too). */
function set(items: readonly string[]): string {
  return items.length === 1 && items[0] !== undefined ? items[0] : `{ ${items.join(', ')} }`;
}
