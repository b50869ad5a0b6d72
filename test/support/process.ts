import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/**
 * Child-process helpers for the lab: argument vectors only (never a shell string), bounded output,
 * bounded run time, and long-running children that can always be stopped by their recorded PID.
 */

export interface RunResult {
  /** Exit code, or null when the child was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when our own deadline (timeoutMs) ended the child. */
  timedOut: boolean;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed (see closeStdinOn). */
  input?: string;
  /**
   * Keep stdin open after `input` until stdout matches this pattern (or the child exits). For
   * clients that end their session at stdin EOF before the server has spoken (ssh -s netconf).
   */
  closeStdinOn?: RegExp;
  /** Our own deadline; the child gets SIGKILL when it passes. Default 30 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Output kept per stream: enough for any client reply the tests look at, bounded for runaway children. */
const MAX_CAPTURE = 1024 * 1024;

/** Runs a command to completion. Never rejects for a non-zero exit: callers look at `code`. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout = new BoundedText(MAX_CAPTURE);
    const stderr = new BoundedText(MAX_CAPTURE);
    const closeOn = options.closeStdinOn;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.append(chunk);
      if (closeOn !== undefined && !child.stdin.writableEnded && closeOn.test(stdout.text())) child.stdin.end();
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.append(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stdout.text(), stderr: stderr.text(), timedOut });
    });
    // A child that exits before reading its stdin makes the pipe fail with EPIPE; that is its answer, not ours.
    child.stdin.on('error', () => undefined);
    if (closeOn === undefined) child.stdin.end(options.input ?? '');
    else child.stdin.write(options.input ?? '');
  });
}

/** Like run(), but a non-zero exit is an error that carries the command's output. */
export async function runOk(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (code ${String(result.code)}, signal ${String(result.signal)}` +
        `${result.timedOut ? ', timed out' : ''}):\n${result.stderr}${result.stdout}`,
    );
  }
  return result;
}

/** A long-running child (a daemon in the foreground). */
export interface ProcessHandle {
  /** The recorded PID; `ip netns exec` execs its command, so this is the daemon itself. */
  readonly pid: number;
  /** Resolves when the child has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once the child has exited. */
  hasExited(): boolean;
  /** Everything the child wrote to stdout and stderr (interleaved; the last 1 MiB). */
  output(): string;
  /** Waits until the output matches, or throws after timeoutMs (with the output in the message). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the child is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): ProcessHandle {
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) {
    // spawn reports ENOENT asynchronously; a missing PID here means it could not start at all.
    throw new Error(`could not start ${command}`);
  }
  const pid = child.pid;
  const log = new BoundedText(MAX_CAPTURE);
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    log.append(chunk);
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (error) => {
      log.append(Buffer.from(`\n[spawn error] ${error.message}\n`));
      done = true;
      resolve({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => {
      done = true;
      for (const wake of waiters) wake();
      resolve({ code, signal });
    });
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = log.text().match(pattern);
        if (match) {
          finish();
          resolve(match);
          return true;
        }
        if (done) {
          finish();
          reject(new Error(`${command} exited before its output matched ${String(pattern)}:\n${log.text()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${command}: output did not match ${String(pattern)} within ${timeoutMs} ms:\n${log.text()}`));
      }, timeoutMs);
      const wake = (): void => void check();
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
      };
      waiters.add(wake);
      check();
    });

  const stop = async (graceMs = 5_000): Promise<void> => {
    if (done) return;
    signalPid(pid, 'SIGTERM');
    const killer = setTimeout(() => signalPid(pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(killer);
  };

  return { pid, exited, hasExited: () => done, output: () => log.text(), waitForOutput, stop };
}

/** Sends a signal to one PID; a process that is already gone is not an error. */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Keeps the last `limit` bytes of a stream as text. */
class BoundedText {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      const dropped = this.chunks.shift();
      this.size -= dropped?.length ?? 0;
    }
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
