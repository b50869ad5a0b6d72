import type { HostCredentials } from '../core/credentials.js';
import type { Host } from '../inventory/types.js';
import type { Expectation, Role, Transport } from '../core/model.js';
import type { NotTestable } from '../report/types.js';
import type { ProbeKind } from '../../probes/registry.js';

/** One probe the runner will send: a matrix row (or several) x target host x address x port. */
export interface PlannedProbe {
  /** `<target>/<address>/<transport>/<port|->/<probe>`: stable across runs, for comparisons. */
  readonly id: string;
  /** Matrix row ids (or `path:<name>` for inventory paths) this probe verifies. */
  readonly rows: readonly string[];
  readonly tables: readonly number[];
  readonly application: string;
  readonly probe: ProbeKind;
  readonly target: string;
  readonly targetRole: Role;
  readonly neType?: string;
  readonly address: string;
  readonly transport: Transport;
  readonly port: number | undefined;
  readonly expected: Expectation;
  /** The probe's options, defaults merged with the inventory's global and per-host settings. */
  readonly options: unknown;
  readonly credentials: HostCredentials;
}

export interface Plan {
  readonly vantage: Host;
  readonly probes: readonly PlannedProbe[];
  readonly notTestable: readonly NotTestable[];
}
