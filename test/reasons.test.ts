import { describe, expect, it } from 'vitest';
import { PROBES } from '../probes/registry.js';
import { REASONS } from '../probes/reason-catalogue.js';
import { TRANSPORT_REASONS } from '../src/core/transport-reasons.js';

/**
 * The reason catalogue (probes/reason-catalogue.ts) merges every probe's codes with the transport
 * codes into one map: reports, `psm-netcheck probes` and the Prometheus labels read it. A code
 * defined twice with different meanings would be silently overwritten there, so a probe may reuse
 * a transport code (or another probe's) only as it is, never redefine it.
 */
describe('the reason catalogue', () => {
  it('holds every code of every probe and of the transport', () => {
    for (const probe of Object.values(PROBES)) for (const code of Object.keys(probe.reasons)) expect(REASONS).toHaveProperty([code]);
    for (const code of Object.keys(TRANSPORT_REASONS)) expect(REASONS[code]).toEqual(TRANSPORT_REASONS[code as keyof typeof TRANSPORT_REASONS]);
  });

  it('has one meaning per code: a probe reuses a transport code or another probe code as it is, never redefines it', () => {
    const seen = new Map<string, { readonly by: string; readonly info: unknown }>(
      Object.entries(TRANSPORT_REASONS).map(([code, info]) => [code, { by: 'the transport catalogue', info }]),
    );
    const conflicts: string[] = [];
    for (const [kind, probe] of Object.entries(PROBES)) {
      for (const [code, info] of Object.entries(probe.reasons)) {
        const earlier = seen.get(code);
        if (earlier === undefined) seen.set(code, { by: `the ${kind} probe`, info });
        else if (JSON.stringify(earlier.info) !== JSON.stringify(info)) conflicts.push(`${code}: the ${kind} probe and ${earlier.by}`);
      }
    }
    expect(conflicts).toEqual([]);
  });

  it('uses codes that are safe as Prometheus label values and stable identifiers', () => {
    for (const code of Object.keys(REASONS)) expect(code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});
