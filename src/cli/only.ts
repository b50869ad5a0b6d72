import { NetcheckError } from '../core/errors.js';
import { PROBE_KINDS, type ProbeKind } from '../../probes/registry.js';

/** `--only tcp icmp`: the probe kinds to keep, validated against the registry. */
export function parseOnly(values: readonly string[] | undefined): ProbeKind[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const kinds = values.flatMap((v) => v.split(',')).filter((v) => v !== '');
  const unknown = kinds.filter((k) => !(PROBE_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new NetcheckError('E_USAGE', `--only: unknown probe ${unknown.join(', ')} (known: ${PROBE_KINDS.join(', ')})`);
  }
  return kinds as ProbeKind[];
}
