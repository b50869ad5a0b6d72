import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (npm test builds first: see the "pretest" script). */
export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the CLI to completion; `onStderr` sees its logs as they come (to signal it at the right moment). */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; onStderr?: (text: string, pid: number) => void; cwd?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr, child.pid ?? 0);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs the CLI and closes its stdout after the first bytes, as `| head -c 1` does; resolves with
 * the exit code and everything it wrote on stderr. With `closeAt: 'start'` the reader is gone
 * before the CLI writes anything (as `| head -0`, or a reader that died): then even an output
 * that fits the pipe's buffer in one write meets EPIPE.
 */
export function runCliIntoClosedPipe(
  args: readonly string[],
  { closeAt = 'first-output' }: { closeAt?: 'first-output' | 'start' } = {},
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    if (closeAt === 'start') child.stdout.destroy();
    else child.stdout.once('data', () => child.stdout.destroy());
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
