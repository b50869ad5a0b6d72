import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { NetcheckError } from '../core/errors.js';

export interface Lock {
  release(): Promise<void>;
}

/**
 * An exclusive lock file, so that overlapping cron runs never run twice at once.
 *
 * The file names its holder: PID, the process's start time and the boot it started in, so that a
 * PID reused by another process (PID 1 in a restarted container, a reboot) is not mistaken for the
 * holder. A lock whose holder is gone is taken over, without the race in which two runs both
 * remove it and both create their own:
 * - the lock is created with its content already in place, by hard-linking a uniquely named file
 *   (link(2) fails if the name exists: create-if-absent, atomically);
 * - a stale lock is first renamed to a unique name, and only removed if what was renamed is the
 *   lock that was judged stale; if another run took the lock in between, its lock is put back and
 *   this run stops with E_LOCKED.
 * A lock path that is a directory or cannot be created is a configuration error (E_USAGE, exit
 * 2), never "another run" (exit 5, which the systemd unit counts as success).
 */
export async function acquireLock(path: string): Promise<Lock> {
  const usage = (why: string): NetcheckError => new NetcheckError('E_USAGE', `--lock ${path}: ${why}`);
  const mine = `${holderIdentity(process.pid) ?? String(process.pid)}\n`;
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, mine, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    throw usage(`cannot create a file next to it (${codeOf(error)})`);
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(temporary, path);
        return { release: () => releaseIfMine(path, mine) };
      } catch (error) {
        if (codeOf(error) !== 'EEXIST') throw usage(`cannot create it (${codeOf(error)})`);
      }
      const info = await lstat(path).catch(() => undefined);
      if (info === undefined) continue; // released in the meantime: try again
      if (info.isDirectory()) throw usage('is a directory; give the path of a file');
      if (!info.isFile()) throw usage('is not a regular file');
      const held = await readFile(path, 'utf8').catch(() => undefined);
      if (held === undefined) continue;
      const holder = parseHolder(held);
      if (holder !== undefined && isRunning(holder)) {
        throw new NetcheckError('E_LOCKED', `another run (pid ${holder.pid}) holds ${path}; this run does nothing`);
      }
      await removeStale(path, held);
    }
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  throw new NetcheckError('E_LOCKED', `could not take ${path}: other runs keep taking it`);
}

/** Moves the stale lock aside under a unique name; puts it back if it was not the one judged stale. */
async function removeStale(path: string, judged: string): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return; // another run moved it first: look again
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== judged) {
    // A run took the lock between our read and our rename: its lock goes back where it was.
    await link(aside, path).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    const holder = moved === undefined ? undefined : parseHolder(moved);
    throw new NetcheckError('E_LOCKED', `another run (pid ${holder?.pid ?? '?'}) took ${path}; this run does nothing`);
  }
  await unlink(aside).catch(() => undefined);
}

async function releaseIfMine(path: string, mine: string): Promise<void> {
  const held = await readFile(path, 'utf8').catch(() => undefined);
  if (held === mine) await unlink(path).catch(() => undefined);
}

interface Holder {
  readonly pid: number;
  /** Start time (clock ticks since boot) and boot id; absent in lock files of older versions. */
  readonly started?: string;
}

function parseHolder(text: string): Holder | undefined {
  const [pidText = '', ...rest] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return rest.length === 0 ? { pid } : { pid, started: rest.join(' ') };
}

/** Whether the holder still runs: the same PID, started at the same moment of the same boot. */
function isRunning(holder: Holder): boolean {
  // No lock is held by this process before it takes one: its own PID in the file is a leftover
  // (PID 1 in a container restarted after a crash).
  if (holder.pid === process.pid) return false;
  if (holder.started !== undefined) {
    const now = holderIdentity(holder.pid);
    if (now !== undefined) return now === `${holder.pid} ${holder.started}`;
  }
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) === 'EPERM';
  }
}

/** "PID STARTTIME BOOTID" of a running process, from /proc; undefined when it is not running. */
function holderIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTime = fields[19];
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return startTime === undefined ? undefined : `${pid} ${startTime} ${boot}`;
  } catch {
    return undefined;
  }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
