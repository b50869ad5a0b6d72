/**
 * The runner aborts a probe's signal with a DeadlineError at its timeout, and with any other
 * reason on shutdown. Probes tell the two apart to report "timeout" versus "aborted".
 */
export class DeadlineError extends Error {
  override readonly name = 'TimeoutError';
  constructor(timeoutMs: number) {
    super(`deadline of ${timeoutMs} ms reached`);
  }
}

export type AbortKind = 'timeout' | 'aborted';

export function abortKind(signal: AbortSignal): AbortKind {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === 'TimeoutError' ? 'timeout' : 'aborted';
}

/** Resolves when the signal aborts (never rejects); use in Promise.race. */
export function whenAborted(signal: AbortSignal): Promise<AbortKind> {
  if (signal.aborted) return Promise.resolve(abortKind(signal));
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(abortKind(signal)), { once: true });
  });
}

/**
 * A deadline of its own for a probe run outside the runner (tests, the lab). The returned
 * `signal` aborts with DeadlineError after `timeoutMs`, or when `parent` aborts.
 */
export function deadlineSignal(timeoutMs: number, parent?: AbortSignal): { signal: AbortSignal; cancel(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineError(timeoutMs)), timeoutMs);
  const onParentAbort = (): void => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  if (parent?.aborted) onParentAbort();
  return {
    signal: controller.signal,
    cancel(): void {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
