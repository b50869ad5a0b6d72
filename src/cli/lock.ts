import { open, readFile, unlink } from 'node:fs/promises';
import { NetcheckError } from '../core/errors.js';

export interface Lock {
  release(): Promise<void>;
}

/**
 * An exclusive lock file holding our PID, so that overlapping cron runs never run twice at once.
 * A lock left by a process that no longer exists is taken over (a crashed run must not block
 * every later one).
 */
export async function acquireLock(path: string): Promise<Lock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new NetcheckError('E_USAGE', `--lock ${path}: ${(error as Error).message}`);
      }
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new NetcheckError('E_LOCKED', `another run (pid ${holder}) holds ${path}; this run does nothing`);
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new NetcheckError('E_LOCKED', `could not take ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
