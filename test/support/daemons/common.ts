import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NetnsLab } from '../netns.js';
import type { ProcessHandle } from '../process.js';

/** What every started daemon hands back; each daemon adds the data its tests need. */
export interface DaemonHandle {
  /** The lab host (namespace) the daemon runs in. */
  readonly host: string;
  /** The address it listens on. */
  readonly address: string;
  /** Recorded PID of the foreground daemon. */
  readonly pid: number;
  /** Wall time from spawn until it first answered, for the record (never asserted on). */
  readonly startupMs: number;
  /** Its temp directory (configs, logs, sockets). */
  readonly dir: string;
  /** The foreground process: output(), waitForOutput(), exited. */
  readonly process: ProcessHandle;
  /** Stops it by its PID (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

/**
 * What launching a daemon needs of a lab: both netns.ts's flat lab and routed-lab.ts's zones have it.
 */
export type DaemonLab = Pick<NetnsLab, 'spawn' | 'listening'>;

/** Default start deadline: every daemon here answers within a few seconds on this machine. */
export const START_TIMEOUT_MS = 10_000;

export interface LaunchSpec {
  name: string;
  lab: DaemonLab;
  host: string;
  address: string;
  dir: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Resolves true once the daemon answers; polled until timeoutMs. Gets the child to read its output. */
  ready: (child: ProcessHandle) => Promise<boolean>;
  timeoutMs?: number;
}

/**
 * Spawns a foreground daemon in a lab host and polls `ready` until it answers. On failure the
 * daemon is stopped and the error carries its output, so a broken config is visible in the test log.
 */
export async function launch(spec: LaunchSpec): Promise<DaemonHandle> {
  const started = performance.now();
  const child = spec.lab.spawn(spec.host, spec.command, spec.args, {
    env: { ...process.env, ...spec.env },
    cwd: spec.dir,
  });
  try {
    await pollUntil(spec.name, () => spec.ready(child), child, spec.timeoutMs ?? START_TIMEOUT_MS);
  } catch (error) {
    await child.stop(2_000);
    throw error;
  }
  return {
    host: spec.host,
    address: spec.address,
    pid: child.pid,
    startupMs: Math.round(performance.now() - started),
    dir: spec.dir,
    process: child,
    stop: () => child.stop(),
  };
}

/** Polls `check` every 100 ms; fails early when the process died, and with its output on timeout. */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  child: ProcessHandle | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    if (child?.hasExited()) {
      const { code, signal } = await child.exited;
      throw new Error(`${what} exited during start-up (code ${String(code)}, signal ${String(signal)}):\n${child.output()}`);
    }
    try {
      if (await check()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (performance.now() > deadline) {
      throw new Error(
        `${what} did not answer within ${timeoutMs} ms${lastError ? ` (last check: ${lastError})` : ''}:\n` +
          (child?.output() ?? ''),
      );
    }
    await sleep(100);
  }
}

/** A TCP port is ready once something listens on it (checked with ss: no connection, no log line). */
export function tcpListening(lab: DaemonLab, host: string, port: number): () => Promise<boolean> {
  return () => lab.listening(host, 'tcp', port);
}

/** Formats an address for `host:port` strings and URLs. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
