import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ListeningPort } from '../planner/listening-ports.js';
import type { PreflightCheck } from '../report/types.js';

/**
 * The local firewall, read from `nft -j list ruleset` (root only). The ruleset is evaluated for
 * each port this host must listen on, as far as a static reading allows: rules that match only
 * on the L4 protocol and destination port decide; rules with other matches (source address,
 * interface, conntrack state) may or may not apply and are reported as conditional; a jump to
 * another chain stops the reading for that port. The verdict is at most a warning: only a probe
 * from a peer to the responder proves a path.
 */

export type FirewallReading =
  | { readonly ok: true; readonly ruleset: unknown }
  | { readonly ok: false; readonly verdict: 'skip' | 'warn'; readonly why: string };

const NFT_PATHS = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'];
const NFT_TIMEOUT_MS = 5_000;
const NFT_MAX_OUTPUT = 16 * 1024 * 1024;

export async function readNftRuleset(): Promise<FirewallReading> {
  if (process.getuid?.() !== 0) {
    return { ok: false, verdict: 'skip', why: 'reading the nftables ruleset needs root: run preflight as root to include the local firewall' };
  }
  const nft = NFT_PATHS.find((path) => existsSync(path));
  if (nft === undefined) {
    return { ok: false, verdict: 'skip', why: 'nft is not installed: the local firewall was not read' };
  }
  return new Promise((resolve) => {
    execFile(nft, ['-j', 'list', 'ruleset'], { timeout: NFT_TIMEOUT_MS, maxBuffer: NFT_MAX_OUTPUT }, (error, stdout, stderr) => {
      if (error !== null) {
        const detail = (stderr.split('\n')[0] ?? '').trim() || error.message.split('\n')[0] || 'unknown error';
        resolve({ ok: false, verdict: 'warn', why: `nft list ruleset failed: ${detail.slice(0, 200)}` });
        return;
      }
      try {
        resolve({ ok: true, ruleset: JSON.parse(stdout) as unknown });
      } catch {
        resolve({ ok: false, verdict: 'warn', why: 'nft printed a ruleset that is not JSON' });
      }
    });
  });
}

// ---- the nft JSON shapes we read (libnftables-json(5)); everything else is ignored

interface NftChain {
  readonly family: string;
  readonly table: string;
  readonly name: string;
  readonly hook?: string;
  readonly prio?: number;
  readonly policy?: string;
}

interface NftRule {
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  readonly handle?: number;
  readonly expr?: readonly Record<string, unknown>[];
}

type PortStatus =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'blocked'; readonly by: string }
  | { readonly kind: 'unknown'; readonly why: string };

function entries<T>(ruleset: unknown, key: string): T[] {
  const list = (ruleset as { nftables?: unknown })?.nftables;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => (typeof item === 'object' && item !== null && key in item ? [(item as Record<string, T>)[key] as T] : []));
}

export function firewallChecks(reading: FirewallReading, listening: readonly ListeningPort[]): PreflightCheck[] {
  const base = { id: 'firewall', kind: 'firewall' as const, rows: [] };
  if (!reading.ok) return [{ ...base, verdict: reading.verdict, message: `local firewall: ${reading.why}`, evidence: {} }];
  const chains = entries<NftChain>(reading.ruleset, 'chain')
    .filter((chain) => chain.hook === 'input')
    .sort((a, b) => (a.prio ?? 0) - (b.prio ?? 0));
  const rules = entries<NftRule>(reading.ruleset, 'rule');
  if (chains.length === 0) {
    return [{ ...base, verdict: 'pass', message: 'local firewall (nftables): no input chain, nothing on this host filters inbound', evidence: { inputChains: 0 } }];
  }
  const blocked: string[] = [];
  const unknown: string[] = [];
  const conditional = new Set<string>();
  for (const entry of listening) {
    const name = `${entry.transport}/${entry.port}`;
    const status = portStatus(entry, chains, rules, conditional);
    if (status.kind === 'blocked') blocked.push(`${name} (${status.by})`);
    if (status.kind === 'unknown') unknown.push(`${name} (${status.why})`);
  }
  const evidence = {
    inputChains: chains.length,
    blocked,
    undecided: unknown,
    conditionalRules: [...conditional],
  };
  const notes = [
    unknown.length > 0 ? `not decided by a static reading: ${list(unknown)}` : '',
    conditional.size > 0 ? `${conditional.size} conditional drop/reject rule(s) not applied (source, interface or state matches)` : '',
  ].filter((note) => note !== '');
  const tail = notes.length > 0 ? `; ${notes.join('; ')}` : '';
  if (blocked.length > 0) {
    return [{ ...base, verdict: 'warn', message: `local firewall drops ${list(blocked)}${tail}`, evidence }];
  }
  return [
    {
      ...base,
      verdict: unknown.length > 0 ? 'warn' : 'pass',
      message: `local firewall (nftables, ${chains.length} input chain(s)) lets every port this host must listen on through${tail}`,
      evidence,
    },
  ];
}

function list(items: readonly string[]): string {
  return items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')} and ${items.length - 5} more`;
}

/** Every input base chain sees the packet in priority order; a drop anywhere ends it. */
function portStatus(entry: ListeningPort, chains: readonly NftChain[], rules: readonly NftRule[], conditional: Set<string>): PortStatus {
  for (const chain of chains) {
    const status = chainStatus(entry, chain, rules, conditional);
    if (status.kind !== 'accepted') return status;
  }
  return { kind: 'accepted' };
}

function chainStatus(entry: ListeningPort, chain: NftChain, rules: readonly NftRule[], conditional: Set<string>): PortStatus {
  const where = `${chain.family} ${chain.table} ${chain.name}`;
  for (const rule of rules) {
    if (rule.family !== chain.family || rule.table !== chain.table || rule.chain !== chain.name) continue;
    const verdict = ruleVerdict(rule.expr ?? []);
    if (verdict === undefined) continue;
    const applies = ruleApplies(rule.expr ?? [], entry);
    if (applies === 'no') continue;
    const label = `rule ${rule.handle ?? '?'} of ${where}`;
    if (applies === 'maybe') {
      if (verdict.kind === 'drop' || verdict.kind === 'reject') conditional.add(label);
      continue;
    }
    switch (verdict.kind) {
      case 'accept':
        return { kind: 'accepted' };
      case 'drop':
      case 'reject':
        return { kind: 'blocked', by: `${verdict.kind} by ${label}` };
      case 'jump':
      case 'goto':
        return { kind: 'unknown', why: `${label} jumps to ${verdict.target ?? 'another chain'}` };
      case 'return':
        return chain.policy === 'drop' ? { kind: 'blocked', by: `policy drop of ${where}` } : { kind: 'accepted' };
    }
  }
  return chain.policy === 'drop' ? { kind: 'blocked', by: `policy drop of ${where}` } : { kind: 'accepted' };
}

type RuleVerdict = { readonly kind: 'accept' | 'drop' | 'reject' | 'return' } | { readonly kind: 'jump' | 'goto'; readonly target?: string };

function ruleVerdict(expr: readonly Record<string, unknown>[]): RuleVerdict | undefined {
  for (const statement of expr) {
    for (const kind of ['accept', 'drop', 'reject', 'return'] as const) if (kind in statement) return { kind };
    for (const kind of ['jump', 'goto'] as const) {
      if (kind in statement) {
        const target = (statement[kind] as { target?: unknown } | null)?.target;
        return { kind, ...(typeof target === 'string' ? { target } : {}) };
      }
    }
  }
  return undefined;
}

/** Whether every match of a rule holds for this port: yes, no, or maybe (a match we do not evaluate). */
function ruleApplies(expr: readonly Record<string, unknown>[], entry: ListeningPort): 'yes' | 'no' | 'maybe' {
  let result: 'yes' | 'maybe' = 'yes';
  for (const statement of expr) {
    const match = statement.match as { op?: string; left?: unknown; right?: unknown } | undefined;
    if (match === undefined) continue;
    const holds = matchHolds(match, entry);
    if (holds === 'no') return 'no';
    if (holds === 'maybe') result = 'maybe';
  }
  return result;
}

function matchHolds(match: { op?: string; left?: unknown; right?: unknown }, entry: ListeningPort): 'yes' | 'no' | 'maybe' {
  const left = match.left as { payload?: { protocol?: string; field?: string }; meta?: { key?: string } } | undefined;
  let value: number | string | undefined;
  if (left?.payload?.field === 'dport' && ['tcp', 'udp', 'th'].includes(left.payload.protocol ?? '')) {
    if (left.payload.protocol !== 'th' && left.payload.protocol !== entry.transport) return 'no';
    value = entry.port;
  } else if (left?.meta?.key === 'l4proto' || (left?.payload?.field === 'protocol' && left.payload.protocol === 'ip') || (left?.payload?.field === 'nexthdr' && left.payload.protocol === 'ip6')) {
    value = entry.transport;
  } else {
    return 'maybe';
  }
  const found = contains(match.right, value);
  if (found === undefined) return 'maybe';
  const negated = match.op === '!=';
  return found !== negated ? 'yes' : 'no';
}

/** Whether a match's right side (value, set, range) contains the value; undefined when unreadable. */
function contains(right: unknown, value: number | string): boolean | undefined {
  if (typeof right === 'number' || typeof right === 'string') return right === value;
  if (typeof right !== 'object' || right === null) return undefined;
  const object = right as { set?: unknown; range?: unknown };
  if (Array.isArray(object.range) && typeof value === 'number') {
    const [from, to] = object.range as unknown[];
    return typeof from === 'number' && typeof to === 'number' ? value >= from && value <= to : undefined;
  }
  if (Array.isArray(object.set)) {
    let unreadable = false;
    for (const item of object.set) {
      const found = contains(item, value);
      if (found === true) return true;
      if (found === undefined) unreadable = true;
    }
    return unreadable ? undefined : false;
  }
  return undefined;
}
