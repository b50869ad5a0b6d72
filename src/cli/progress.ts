import type { WriteStream } from 'node:tty';

export interface Progress {
  start(total: number): void;
  tick(): void;
  stop(): void;
}

const NONE: Progress = { start() {}, tick() {}, stop() {} };

/**
 * A one-line counter on stderr for long runs, redrawn at most ten times a second. Only on a
 * terminal: cron logs and pipes get nothing of it.
 */
export function createProgress(stream: NodeJS.WriteStream | WriteStream): Progress {
  if (!stream.isTTY) return NONE;
  let total = 0;
  let done = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    stream.write(`\r\x1b[2Kpsm-netcheck: ${done}/${total} probes`);
  };
  return {
    start(count) {
      total = count;
      draw();
      timer = setInterval(draw, 100);
      timer.unref();
    },
    tick() {
      done++;
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      if (total > 0) stream.write('\r\x1b[2K');
    },
  };
}
