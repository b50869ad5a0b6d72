import { byFamily, familyItems } from './addresses.js';
import { commentText, dnsNameComment, firewallHeader, portItems } from './firewall-text.js';
import type { DenyTarget, RuleEntry, RuleSet } from './types.js';

/** The chain `rules -f iptables` fills; FORWARD jumps to it. */
export const IPTABLES_CHAIN = 'PSM_NETCHECK';

/** multiport takes at most 15 ports, a range counting as two. */
const MULTIPORT_SLOTS = 15;

/**
 * A rule set for `iptables-restore` (family 4) or `ip6tables-restore` (family 6): the filter
 * table with FORWARD's policy DROP, replies of allowed flows accepted by conntrack, then a jump to
 * the chain PSM_NETCHECK holding one rule per entry, source and destination item (an address or
 * an `a-b` range), each with its matrix row id as the comment. iptables-restore replaces the whole
 * filter table; to merge into an existing one, take the chain (docs/rules.md).
 */
export function formatIptables(rules: RuleSet, family: 4 | 6): string {
  const command = family === 4 ? 'iptables-restore' : 'ip6tables-restore';
  const lines: string[] = [
    ...firewallHeader(rules, `${command} < FILE (replaces the filter table of IPv${family})`),
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    `:${IPTABLES_CHAIN} - [0:0]`,
    '-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -m comment --comment "replies of the flows below" -j ACCEPT',
    '-A FORWARD -m conntrack --ctstate INVALID -j DROP',
    `-A FORWARD -j ${IPTABLES_CHAIN}`,
  ];
  for (const entry of rules.entries) lines.push(...entryRules(entry, family, rules.deny));
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/**
 * REJECT without --reject-with answers icmp-port-unreachable (IPv4) or icmp6-port-unreachable
 * (IPv6): one spelling for both files. It is allowed here because PSM_NETCHECK is only jumped to
 * from FORWARD.
 */
function entryRules(entry: RuleEntry, family: 4 | 6, deny: DenyTarget): string[] {
  const sources = byFamily(entry.sources);
  const destinations = byFamily(entry.destinations);
  const lines: string[] = [];
  const names = [...sources.names, ...destinations.names];
  if (names.length > 0) lines.push(dnsNameComment(entry, names));
  const target = entry.action === 'allow' ? 'ACCEPT' : deny === 'drop' ? 'DROP' : entry.protocol === 'tcp' ? 'REJECT --reject-with tcp-reset' : 'REJECT';
  const comment = `-m comment --comment "${commentText(entry)}" -j ${target}`;
  for (const from of familyItems(sources, family)) {
    for (const to of familyItems(destinations, family)) {
      for (const protocol of protocolMatches(entry, family)) {
        lines.push(`-A ${IPTABLES_CHAIN} ${addressMatch(from, to)} ${protocol} ${comment}`);
      }
    }
  }
  return lines;
}

/** `-s A -d B`, or iprange's options where an item is a range (both in one iprange match). */
function addressMatch(from: string, to: string): string {
  const ranges: string[] = [];
  const plain: string[] = [];
  if (from.includes('-')) ranges.push(`--src-range ${from}`);
  else plain.push(`-s ${from}`);
  if (to.includes('-')) ranges.push(`--dst-range ${to}`);
  else plain.push(`-d ${to}`);
  return [...plain, ...(ranges.length > 0 ? [`-m iprange ${ranges.join(' ')}`] : [])].join(' ');
}

/** The protocol part, split into several rules when the ports do not fit one multiport match. */
function protocolMatches(entry: RuleEntry, family: 4 | 6): string[] {
  if (entry.protocol === 'icmp') return [family === 4 ? '-p icmp --icmp-type echo-request' : '-p ipv6-icmp --icmpv6-type echo-request'];
  const chunks: string[][] = [[]];
  let used = 0;
  for (const item of portItems(entry.ports).map((port) => port.replace('-', ':'))) {
    const slots = item.includes(':') ? 2 : 1;
    if (used + slots > MULTIPORT_SLOTS) {
      chunks.push([]);
      used = 0;
    }
    chunks[chunks.length - 1]?.push(item);
    used += slots;
  }
  return chunks.map((ports) => (ports.length === 1 ? `-p ${entry.protocol} --dport ${ports[0]}` : `-p ${entry.protocol} -m multiport --dports ${ports.join(',')}`));
}
