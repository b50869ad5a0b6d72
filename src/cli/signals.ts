import type { Logger } from 'pino';

/**
 * Ctrl-C / SIGTERM stop a run cleanly: the signal aborts, probes in flight stop, what finished is
 * reported and the report says it is incomplete. A second Ctrl-C leaves at once.
 */
export function interruptSignal(log: Logger): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.exit(130);
    }
    log.warn({ signal: name }, 'interrupted: finishing with the results so far');
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose(): void {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
