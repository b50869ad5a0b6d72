import type { PortKey } from '../matrix/types.js';
import type { LabTransport } from './types.js';
import type { PeerSpec } from './peer-spec.js';

/**
 * The faults the lab can plant, each as what it does to a peer and what the checker should report
 * where it shows. devices.ts says which device gets which; plan.ts applies them.
 */

export type LabFaultKind =
  | 'closed-port'
  | 'silent-port'
  | 'netconf-login-rejected'
  | 'host-key-changed'
  | 'radius-wrong-secret'
  | 'radius-no-message-authenticator'
  | 'ntp-unsynchronized';

/** A port of a lab host. */
export interface LabPort {
  readonly transport: LabTransport;
  readonly port: number;
}

/** A fault the lab sets up on purpose, so a demo or test knows what the checker should find. */
export interface LabFault {
  readonly host: string;
  readonly kind: LabFaultKind;
  /** Every port where the checker sees it: a result there is not a pass, and nowhere else. */
  readonly ports: readonly LabPort[];
  /** The verdict the checker gives on those ports. */
  readonly verdict: 'fail' | 'warn';
  /** The first of `ports`, and its port key when it has one. */
  readonly port?: number;
  readonly portKey?: PortKey;
  readonly description: string;
}

export interface FaultEffect {
  readonly verdict: 'fail' | 'warn';
  /**
   * Which listeners of the device it changes: those of the fault's port key (`port-key`), or every
   * listener whose peer is of this kind (a server's secret spans all its ports).
   */
  readonly on: 'port-key' | PeerSpec['kind'];
  /** The peer with the fault; `nothing-listens` to leave the port closed. */
  apply(spec: PeerSpec | 'nothing-listens'): PeerSpec | 'nothing-listens';
  /** The SSH host key the inventory pins instead of the device's own. */
  readonly pinsOtherHostKey?: boolean;
}

/** `satisfies Record<LabFaultKind, ...>`: a new fault kind without its effect does not compile. */
export const FAULT_EFFECTS = {
  'closed-port': { verdict: 'fail', on: 'port-key', apply: () => 'nothing-listens' },
  'silent-port': { verdict: 'fail', on: 'port-key', apply: () => ({ kind: 'silent-tcp' }) },
  'netconf-login-rejected': {
    verdict: 'fail',
    on: 'port-key',
    apply: (spec) => (typeof spec !== 'string' && spec.kind === 'ssh' ? { ...spec, options: { ...spec.options, rejectLogin: true } } : spec),
  },
  // The element is as it was; the inventory remembers another key, on every SSH port the probes pin.
  'host-key-changed': { verdict: 'fail', on: 'ssh', apply: (spec) => spec, pinsOtherHostKey: true },
  'radius-wrong-secret': {
    verdict: 'fail',
    on: 'radius',
    apply: (spec) => (typeof spec !== 'string' && spec.kind === 'radius' ? { ...spec, wrongSecret: true } : spec),
  },
  'radius-no-message-authenticator': {
    verdict: 'warn',
    on: 'radius',
    apply: (spec) => (typeof spec !== 'string' && spec.kind === 'radius' ? { ...spec, omitMessageAuthenticator: true } : spec),
  },
  // Leap indicator 3 "alarm" (RFC 5905 §7.3), with stratum 0: a server that has never synchronized.
  'ntp-unsynchronized': {
    verdict: 'warn',
    on: 'ntp',
    apply: (spec) => (typeof spec !== 'string' && spec.kind === 'ntp' ? { kind: 'ntp', options: { leapIndicator: 3 } } : spec),
  },
} as const satisfies Record<LabFaultKind, FaultEffect>;
