import type { PortKey } from '../matrix/types.js';
import type { Expectation, NeType, OptionalService, Role, Transport } from '../core/model.js';
import type { ProbeKind } from '../../probes/registry.js';
import type { HostCredentials } from '../core/credentials.js';
import type { Secret } from '../core/secret.js';
import type { RunSettings } from '../core/settings.js';

/**
 * The validated inventory, as the planner reads it. The YAML form, its schema and its defaults
 * are in ./schema.ts; ./load.ts turns a file into this (or into located errors).
 */

export interface Host {
  readonly name: string;
  readonly roles: readonly Role[];
  /** Set when `roles` has network-element. */
  readonly neType?: NeType;
  /** IPv4/IPv6 literals or DNS names, in the inventory's order. */
  readonly addresses: readonly string[];
  /** Optional services this host runs (PSM server/client: ftp, sftp, ntp, radius). */
  readonly services: readonly OptionalService[];
  /** Port overrides, by the matrix's port key. Ranges as [from, to]. */
  readonly ports: Partial<Record<PortKey, number | readonly [number, number]>>;
  /** Resolved credentials (Secret values); empty object when none. */
  readonly credentials: HostCredentials;
  /** Per-host probe options, merged over the global `probes:` section. */
  readonly probeOptions: Partial<Record<ProbeKind, Record<string, unknown>>>;
  /** Where the host is declared, for messages: "file:line:col". */
  readonly location: string;
}

/** A path the inventory declares on its own (e.g. "must be closed" firewall checks). */
export interface ExtraPath {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly transport: Transport;
  readonly ports: readonly number[];
  readonly expect: Expectation;
  readonly probe: ProbeKind;
  readonly description?: string;
}

/** The inventory's `responder:` section (pre-install checks, docs/responder.md). */
export interface ResponderSettings {
  /** The shared token; undefined when it could not be read and secrets were not required (`plan`). */
  readonly token?: Secret;
  /** Where the token comes from, for messages ("environment variable X", "file /path"); never its value. */
  readonly tokenSource: string;
}

export interface Inventory {
  /** Absolute path of the file, or a label such as "<embedded lab>". */
  readonly source: string;
  readonly name?: string;
  /** Run settings from `defaults:`, each filled with its default when absent. */
  readonly defaults: RunSettings;
  readonly hosts: readonly Host[];
  /** Global probe options by probe kind (validated by each probe's schema). */
  readonly probeOptions: Partial<Record<ProbeKind, Record<string, unknown>>>;
  readonly paths: readonly ExtraPath[];
  /** Set when the inventory has a `responder:` section. */
  readonly responder?: ResponderSettings;
}
