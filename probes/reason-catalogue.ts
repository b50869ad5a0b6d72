import { PROBES } from './registry.js';
import { ICMP_REASONS } from '../src/core/icmp-reasons.js';
import { TRANSPORT_REASONS } from '../src/core/transport-reasons.js';
import type { ReasonCatalogue, ReasonInfo } from '../src/core/reasons.js';

/**
 * Every reason code the tool can report: the shared transport reasons, the ICMP error observer's
 * (src/core/icmp-reasons.ts) and each probe's own.
 * A probe may reuse a transport code, never redefine it (test/reasons.test.ts checks).
 */
export const REASONS: ReasonCatalogue = Object.freeze(
  Object.assign({}, ...Object.values(PROBES).map((probe) => probe.reasons), ICMP_REASONS, TRANSPORT_REASONS) as Record<
    string,
    ReasonInfo
  >,
);
