import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { lutimes } from 'node:fs/promises';
import path from 'node:path';

/** Small file and process helpers of the release build: argument vectors only, never a shell string. */

export function runTool(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const failure = error as { code?: string; stderr?: string; status?: number };
    if (failure.code === 'ENOENT') throw new Error(`${command} is not installed (needed to build the release)`);
    throw new Error(`${command} ${args.join(' ')} failed (exit ${failure.status ?? '?'}): ${String(failure.stderr ?? '').trim().slice(0, 2000)}`);
  }
}

export function copyInto(source: string, target: string, mode: number): void {
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(source, target);
  chmodSync(target, mode);
}

/** Every file and symlink under `root`, relative, sorted (byte order: the same everywhere). */
export function listFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else found.push(relative);
    }
  };
  walk('');
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** `sha256sum` format: "HASH  NAME" lines, so that `sha256sum -c` checks them. */
export function sha256Lines(root: string, files: readonly string[]): string {
  return files.map((file) => `${sha256File(path.join(root, file))}  ${file}\n`).join('');
}

/** Every entry's modification time set to `epoch` (seconds), symlinks themselves included. */
export async function fixMtimes(root: string, epoch: number): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      if (lstatSync(full).isSymbolicLink()) await lutimes(full, epoch, epoch);
      else utimesSync(full, epoch, epoch);
    }
  };
  await walk(root);
  utimesSync(root, epoch, epoch);
}

/**
 * A reproducible .tar.gz of `dir` (inside `parent`) with GNU tar: entries sorted by name, owner
 * and group 0, the given mtime, no atime/ctime; gzip without the file name and time stamp.
 */
export function reproducibleTarGz(parent: string, dir: string, output: string, epoch: number): void {
  runTool('sh', [
    '-c',
    'set -e; tar --sort=name --format=gnu --mtime="@$1" --owner=0 --group=0 --numeric-owner --mode=go-w -C "$2" -cf - "$3" | gzip -n -6 > "$4"',
    'tar',
    String(epoch),
    parent,
    dir,
    output,
  ]);
}
