import type { ProbeFacts } from '../../src/core/probe.js';
import type { PhaseClock } from '../../src/core/clock.js';

/** A loaded library, or why it could not be loaded (one line, for the probe's message). */
export type Loaded<T> = { readonly ok: true; readonly module: T } | { readonly ok: false; readonly message: string };

/**
 * A third-party library loaded on its first use rather than when the probe's file is imported.
 * Every probe file is imported at start-up (the registry names them all), so a static import of
 * ssh2, net-snmp, fast-xml-parser... made every check pay for all of them, even a TCP-only one
 * (docs/benchmarks.md, item 8). Types still come from `import type`; only the value waits.
 *
 * The load happens once per process; every caller awaits the same promise. It never rejects:
 * a library that cannot be loaded (a native part not built, a broken install) is a local
 * problem of this host, which the probe reports as such instead of throwing.
 */
export function lazyModule<T>(name: string, load: () => Promise<T>): () => Promise<Loaded<T>> {
  let loading: Promise<Loaded<T>> | undefined;
  return () =>
    (loading ??= Promise.resolve().then(load).then(
      (module): Loaded<T> => ({ ok: true, module }),
      (error: unknown): Loaded<T> => ({
        ok: false,
        message: `the ${name} library could not be loaded: ${(error instanceof Error ? error.message : String(error)).slice(0, 200)}`,
      }),
    ));
}

/** The facts of a probe whose library could not be loaded: nothing was sent, nothing was tested. */
export function libraryFailureFacts(failure: { readonly message: string }, clock: PhaseClock): ProbeFacts<'local-error'> {
  return { state: 'error', reason: 'local-error', message: failure.message, timings: clock.done() };
}
