import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { matrixPaths } from '../../src/planner/deployment-paths.js';
import { ipv4Items } from '../../src/rules/addresses.js';
import { buildRules } from '../../src/rules/build.js';
import { formatCsv } from '../../src/rules/csv.js';
import { formatIptables } from '../../src/rules/iptables.js';
import { formatMarkdown } from '../../src/rules/markdown.js';
import { formatNft } from '../../src/rules/nft.js';
import { RULES_JSON_SCHEMA, rulesSchemaText } from '../../src/rules/schema.js';
import type { RuleEntry, RuleSet } from '../../src/rules/types.js';

/** Text only: nothing here sends a packet. */
const INVENTORY = `
hosts:
  - { name: psm1, role: psm-server, addresses: [198.51.100.10, "2001:db8::10"], services: [ntp] }
  - { name: psm2, role: psm-server, addresses: [198.51.100.12] }
  - { name: site-a, role: psm-client, addresses: [198.51.100.20] }
  - { name: site-b, role: psm-client, addresses: [198.51.100.21, "2001:db8::21"] }
  - { name: ne1, role: network-element, neType: bti7800, addresses: [198.51.100.101] }
  - { name: ne2, role: network-element, neType: bti7800, addresses: [198.51.100.102] }
  - { name: ne3, role: network-element, neType: bti7800, addresses: [198.51.100.103] }
  - { name: ne4, role: network-element, neType: bti7800, addresses: [198.51.100.110], ports: { netconf: 3830 } }
  - { name: old1, role: network-element, neType: bti700, addresses: [ne-old.example.test] }
paths:
  - { name: no-telnet, from: psm1, to: ne1, transport: tcp, ports: [23], expect: closed }
`;

const inventory = parseInventory(INVENTORY, '/inventories/site.yaml', '/inventories', { requireSecrets: false });
const aggregated = buildRules(inventory, { inventoryLabel: 'site.yaml' });
const perHost = buildRules(inventory, { perHost: true, inventoryLabel: 'site.yaml' });

const entriesOf = (rules: RuleSet, row: string): RuleEntry[] => rules.entries.filter((e) => e.row === row);
const hosts = (entry: RuleEntry | undefined, side: 'sources' | 'destinations'): string[] => entry?.[side].map((e) => e.host) ?? [];

/** Every (row, source, destination) an entry list stands for: aggregation must keep it exactly. */
function pairs(rules: RuleSet): string[] {
  return rules.entries.flatMap((e) => e.sources.flatMap((s) => e.destinations.map((d) => `${e.row}/${s.host}/${d.host}`))).sort();
}

describe('rules: the flows of the deployment', () => {
  it('stands for exactly the deployment paths that merge knows, aggregated or per host', () => {
    const expected = matrixPaths(inventory).map((p) => p.id).sort();
    expect(pairs(aggregated)).toEqual(expected);
    expect(pairs(perHost)).toEqual(expected);
    expect(aggregated.summary.paths).toBe(expected.length);
    expect(aggregated.entries.reduce((sum, e) => sum + e.paths, 0)).toBe(expected.length);
    expect(perHost.entries).toHaveLength(expected.length);
    expect(aggregated.entries.length).toBeLessThan(perHost.entries.length / 2);
    expect(perHost.aggregated).toBe(false);
  });

  it('groups the hosts that need the same ports: both servers to the three elements on 2022 is one entry', () => {
    const [netconf, ...others] = entriesOf(aggregated, 't3-netconf-bti7800').filter((e) => e.ports[0] === '2022');
    expect(others).toEqual([]);
    expect(hosts(netconf, 'sources')).toEqual(['psm1', 'psm2']);
    expect(hosts(netconf, 'destinations')).toEqual(['ne1', 'ne2', 'ne3']);
    expect(netconf).toMatchObject({ action: 'allow', table: 3, application: 'NETCONF', protocol: 'tcp', direction: 'one-way', paths: 6 });
  });

  it("applies port overrides, NE types and optional services as the planner does", () => {
    const moved = entriesOf(aggregated, 't3-netconf-bti7800').find((e) => e.ports[0] === '3830');
    expect(hosts(moved, 'destinations')).toEqual(['ne4']);
    expect(hosts(entriesOf(aggregated, 't3-cli-bti700')[0], 'destinations')).toEqual(['old1']);
    expect(entriesOf(aggregated, 't3-cli-bti700')[0]?.ports).toEqual(['23']);
    // NTP: only psm1 declares the service.
    expect(entriesOf(aggregated, 't3-ntp').flatMap((e) => hosts(e, 'destinations'))).toEqual(['psm1']);
  });

  it('lists expected-closed paths first, as deny entries', () => {
    expect(aggregated.entries[0]).toMatchObject({ id: 'r1', action: 'deny', row: 'path:no-telnet', table: 0, protocol: 'tcp', ports: ['23'] });
    expect(aggregated.summary.deny).toBe(1);
    expect(aggregated.entries.slice(1).every((e) => e.action === 'allow')).toBe(true);
  });

  it('marks a flow the deployment needs both ways: replication between the servers', () => {
    const replication = entriesOf(perHost, 't2-replication');
    expect(replication.map((e) => `${hosts(e, 'sources')[0]}>${hosts(e, 'destinations')[0]}`)).toEqual(['psm1>psm2', 'psm2>psm1']);
    expect(replication.every((e) => e.direction === 'both')).toBe(true);
    expect(entriesOf(perHost, 't1-rest').every((e) => e.direction === 'one-way')).toBe(true);
  });

  it('the JSON is valid against its schema, which equals the committed schemas/rules.schema.json', () => {
    const ajv = new Ajv2020.default({ allErrors: true, strict: true });
    const validate = ajv.compile(RULES_JSON_SCHEMA);
    expect(validate(JSON.parse(JSON.stringify(aggregated))), JSON.stringify(validate.errors)).toBe(true);
    expect(readFileSync(new URL('../../schemas/rules.schema.json', import.meta.url), 'utf8')).toBe(rulesSchemaText());
  });
});

describe('rules: formats', () => {
  it('collapses runs of IPv4 addresses into ranges', () => {
    expect(ipv4Items(['198.51.100.3', '198.51.100.1', '198.51.100.2', '198.51.100.9', '127.0.0.255', '127.0.1.0'])).toEqual([
      // Across an octet: loopback, since no two documentation ranges are adjacent.
      '127.0.0.255-127.0.1.0',
      '198.51.100.1-198.51.100.3',
      '198.51.100.9',
    ]);
  });

  it('nft: one table with a drop policy, a rule per entry and family, commented with the row id', () => {
    const text = formatNft(aggregated);
    expect(text).toContain('table inet psm_netcheck {');
    expect(text).toContain('type filter hook forward priority filter; policy drop;');
    expect(text).toContain('ip saddr 198.51.100.10 ip daddr 198.51.100.101 tcp dport 23 drop comment "path:no-telnet"');
    expect(text).toContain('ip saddr { 198.51.100.10, 198.51.100.12 } ip daddr 198.51.100.101-198.51.100.103 tcp dport 2022 accept comment "t3-netconf-bti7800"');
    expect(text).toContain('ip6 saddr 2001:db8::21 ip6 daddr 2001:db8::10 tcp dport 9998 accept comment "t1-rest"');
    expect(text).toContain('icmp type echo-request accept comment "t3-icmp"');
    // The deny comes before every accept.
    expect(text.indexOf(' drop comment')).toBeLessThan(text.indexOf(' accept comment "t'));
    // A host named only by DNS cannot be in a rule: it is said, not dropped silently.
    expect(text).toContain('no rule for old1 (ne-old.example.test): a firewall resolves a DNS name only once, when the rule set is loaded');
    expect(formatIptables(aggregated, 4)).toContain('no rule for old1 (ne-old.example.test)');
  });

  it('iptables: a rule per source and destination item, ranges through iprange, IPv6 apart', () => {
    const v4 = formatIptables(aggregated, 4);
    expect(v4).toMatch(/^\*filter$/m);
    expect(v4).toContain(':FORWARD DROP [0:0]');
    expect(v4).toContain('-A PSM_NETCHECK -s 198.51.100.10 -m iprange --dst-range 198.51.100.101-198.51.100.103 -p tcp --dport 2022 -m comment --comment "t3-netconf-bti7800" -j ACCEPT');
    expect(v4).toContain('-A PSM_NETCHECK -s 198.51.100.10 -d 198.51.100.101 -p tcp --dport 23 -m comment --comment "path:no-telnet" -j DROP');
    expect(v4).not.toContain('2001:db8');
    const v6 = formatIptables(aggregated, 6);
    expect(v6).toContain('-A PSM_NETCHECK -s 2001:db8::21 -d 2001:db8::10 -p tcp --dport 9998 -m comment --comment "t1-rest" -j ACCEPT');
    expect(v6).not.toContain('198.51.100');
    expect(v6.trimEnd().endsWith('COMMIT')).toBe(true);
  });

  it('--deny reject: the deny entries answer (TCP reset, ICMP port unreachable) instead of dropping, in both rule sets', () => {
    expect(aggregated.deny).toBe('drop');
    const rejecting = buildRules(inventory, { deny: 'reject', inventoryLabel: 'site.yaml' });
    expect(rejecting.deny).toBe('reject');
    expect(formatNft(rejecting)).toContain('ip saddr 198.51.100.10 ip daddr 198.51.100.101 tcp dport 23 reject with tcp reset comment "path:no-telnet"');
    expect(formatIptables(rejecting, 4)).toContain('-d 198.51.100.101 -p tcp --dport 23 -m comment --comment "path:no-telnet" -j REJECT --reject-with tcp-reset');
    const udp: RuleEntry = { ...(entriesOf(rejecting, 'path:no-telnet')[0] as RuleEntry), protocol: 'udp', ports: ['69'] };
    expect(formatNft({ ...rejecting, entries: [udp] })).toContain('udp dport 69 reject comment "path:no-telnet"');
    expect(formatIptables({ ...rejecting, entries: [udp] }, 4)).toContain('-p udp --dport 69 -m comment --comment "path:no-telnet" -j REJECT\n');
    // The allow entries are the same either way.
    expect(formatNft(rejecting).split('\n').filter((l) => l.includes(' accept '))).toEqual(formatNft(aggregated).split('\n').filter((l) => l.includes(' accept ')));
  });

  it('iptables: more ports than one multiport match takes are split over several rules', () => {
    const ports = Array.from({ length: 20 }, (_, i) => String(1000 + i));
    const entry: RuleEntry = {
      ...aggregated.entries[1]!,
      ports: [...ports, '2000-2010'],
      protocol: 'tcp',
      sources: [{ host: 'a', role: 'psm-server', addresses: ['198.51.100.1'] }],
      destinations: [{ host: 'b', role: 'psm-client', addresses: ['198.51.100.2'] }],
    };
    const lines = formatIptables({ ...aggregated, entries: [entry] }, 4).split('\n').filter((l) => l.startsWith('-A PSM_NETCHECK'));
    expect(lines.map((l) => /--dports (\S+)/.exec(l)?.[1])).toEqual([ports.slice(0, 15).join(','), [...ports.slice(15), '2000:2010'].join(',')]);
  });

  it('CSV and Markdown: a header, then one line per entry', () => {
    const csv = formatCsv(aggregated).trimEnd().split('\n');
    expect(csv[0]).toBe('id,action,matrix row,table,application,direction,protocol,destination ports,source hosts,source addresses,destination hosts,destination addresses');
    expect(csv).toHaveLength(aggregated.entries.length + 1);
    expect(csv).toContain('r1,deny,path:no-telnet,inventory,no-telnet,one-way,tcp,23,psm1,198.51.100.10 2001:db8::10,ne1,198.51.100.101');
    // A field with a comma is quoted.
    expect(csv.find((l) => l.includes(',t1-ftp,'))).toContain('"20,21"');
    const markdown = formatMarkdown(aggregated);
    expect(markdown.split('\n').filter((l) => l.startsWith('| r'))).toHaveLength(aggregated.entries.length);
    expect(markdown).toContain("the vendor's port tables (PSM Networking Considerations, Tables 1-8)");
  });
});
