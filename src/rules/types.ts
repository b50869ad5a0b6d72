import type { Role, Transport } from '../core/model.js';

/** Bumped when a field changes meaning or goes away; new fields do not bump it. */
export const RULES_SCHEMA_VERSION = 1;

export const RULE_ACTIONS = ['allow', 'deny'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/**
 * - one-way: only the initiator opens the flow; the replies are the firewall's connection
 *   tracking business, not a rule of their own.
 * - both: the deployment also needs the same protocol and ports the other way (another entry).
 */
/**
 * What a deny entry does to a packet in the rule sets: `drop` (the default) says nothing, as a
 * firewall usually does; `reject` answers (TCP reset, ICMP port unreachable), so that a client
 * fails at once instead of waiting out its timeout, and `check` sees the path as closed, not
 * filtered.
 */
export const DENY_TARGETS = ['drop', 'reject'] as const;
export type DenyTarget = (typeof DENY_TARGETS)[number];

export const RULE_DIRECTIONS = ['one-way', 'both'] as const;
export type RuleDirection = (typeof RULE_DIRECTIONS)[number];

/** One side of an entry: a host and the addresses the inventory gives it (literals or DNS names). */
export interface RuleEndpoint {
  readonly host: string;
  readonly role: Role;
  readonly addresses: readonly string[];
}

/**
 * One entry of the firewall change request: these sources may (allow) or must not (deny) open
 * this protocol to these ports on these destinations. Aggregated, one entry stands for every
 * source x destination pair of one matrix row that needs the same ports; with `--per-host`, one
 * pair.
 */
export interface RuleEntry {
  /** `r<n>`, in the order of the list: denies first, then the matrix's order. */
  readonly id: string;
  readonly action: RuleAction;
  /** Matrix row id (`t3-netconf`), or `path:<name>` for a path the inventory declares. */
  readonly row: string;
  /** The vendor's table (1-8); 0 for an inventory path. */
  readonly table: number;
  readonly application: string;
  readonly direction: RuleDirection;
  readonly protocol: Transport;
  /** Destination ports as the matrix writes them, overrides applied: ["20", "21"], ["9999-10100"]; [] for ICMP. */
  readonly ports: readonly string[];
  readonly sources: readonly RuleEndpoint[];
  readonly destinations: readonly RuleEndpoint[];
  /** The deployment paths (`<row>/<from>/<to>`, as `merge` names them) this entry carries. */
  readonly paths: number;
}

export interface RuleSet {
  readonly schemaVersion: typeof RULES_SCHEMA_VERSION;
  readonly tool: { readonly name: 'psm-netcheck'; readonly version: string };
  /** The inventory file as given. */
  readonly inventory: string;
  /** False with `--per-host`: one entry per source and destination host. */
  readonly aggregated: boolean;
  /** What the rule sets do with the deny entries' packets (`--deny`). */
  readonly deny: DenyTarget;
  readonly summary: { readonly entries: number; readonly allow: number; readonly deny: number; readonly paths: number };
  readonly entries: readonly RuleEntry[];
}
