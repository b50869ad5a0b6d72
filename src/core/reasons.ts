/**
 * A reason code is the stable, machine-readable "why" of a probe result. Codes are lowercase
 * kebab-case, never change meaning once published, and are safe as Prometheus label values.
 *
 * `outcome` says what the reason means for a path that is expected to be open:
 * - ok: the service answered as it should;
 * - warn: it answered, but something deserves attention (unverified, degraded, insecure);
 * - fail: the path or the service does not work.
 * The verdict step reads it; probes never decide verdicts themselves.
 */
export interface ReasonInfo {
  readonly outcome: 'ok' | 'warn' | 'fail';
  /** True when another attempt could change the result (timeouts). The runner retries only these. */
  readonly retryable?: boolean;
  /** One line for people: what it means and, where useful, what to check. */
  readonly summary: string;
}

export type ReasonCatalogue = Readonly<Record<string, ReasonInfo>>;

/** Helper that keeps literal keys (for typed codes) while checking the shape. */
export function defineReasons<const T extends Record<string, ReasonInfo>>(reasons: T): T {
  return reasons;
}
