import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { fstatSync } from 'node:fs';
import { lstat, open, readlink, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Where a report file goes, decided before the first probe so that a report that cannot be
 * written fails the run at once (exit 2) instead of after every packet was sent:
 * - `replace`: a regular file, or a name not taken yet. It is replaced atomically (a temporary
 *   file in the same directory, then a rename). A symlink is followed: the file it points to is
 *   replaced, the link stays a link.
 * - `descriptor`: /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N (or a symlink to one):
 *   written to that open descriptor of this process, whatever is behind it (a pipe, a socket
 *   such as the journal's, a file the shell opened, a terminal).
 * - `stream`: a character device (/dev/null, a terminal) or a FIFO: written through, appended.
 * Anything else (a directory, a block device, a socket file) is refused. Nothing is ever renamed
 * over something that is not a regular file.
 */
export type OutputTarget =
  | { readonly mode: 'replace' | 'stream'; readonly path: string }
  | { readonly mode: 'descriptor'; readonly fd: number };

/** Names of this process's own open descriptors. */
const DESCRIPTOR = /^\/(?:dev\/(stdout|stderr|fd\/(\d+))|proc\/self\/fd\/(\d+))$/;
const MAX_LINKS = 40;

/** Why an output cannot be written, for the E_OUTPUT message. */
export class OutputProblem extends Error {}

export async function resolveOutputTarget(path: string): Promise<OutputTarget> {
  const absolute = resolve(path);
  const fd = await descriptorBehind(absolute);
  if (fd !== undefined) return { mode: 'descriptor', fd };
  const link = await lstatOrUndefined(absolute);
  if (link === undefined) return { mode: 'replace', path: await writableDirectory(absolute) };
  const target = link.isSymbolicLink() ? await statOrUndefined(absolute) : link;
  if (target === undefined) throw new OutputProblem('a symlink to nothing (its target does not exist)');
  if (target.isCharacterDevice() || target.isFIFO()) return { mode: 'stream', path: absolute };
  if (target.isDirectory()) throw new OutputProblem('is a directory');
  if (!target.isFile()) throw new OutputProblem(`is ${kindOf(target)}: a report goes to a file, a FIFO or a character device`);
  const real = link.isSymbolicLink() ? await realpath(absolute) : absolute;
  return { mode: 'replace', path: await writableDirectory(real) };
}

/**
 * The descriptor a path names, following symlinks by hand (realpath cannot: behind
 * /proc/self/fd/1 there may be a pipe or a socket, which has no path).
 */
async function descriptorBehind(path: string): Promise<number | undefined> {
  let current = path;
  for (let hop = 0; hop <= MAX_LINKS; hop++) {
    const match = DESCRIPTOR.exec(current);
    if (match !== null) {
      const fd = match[1] === 'stdout' ? 1 : match[1] === 'stderr' ? 2 : Number(match[2] ?? match[3]);
      try {
        fstatSync(fd);
      } catch {
        throw new OutputProblem(`names descriptor ${fd}, which is not open`);
      }
      return fd;
    }
    const info = await lstatOrUndefined(current);
    if (info === undefined || !info.isSymbolicLink()) return undefined;
    current = resolve(dirname(current), await readlink(current));
  }
  return undefined;
}

/**
 * The file's path once its directory is known to take new files: a probe file is created and
 * removed there, which is the only test that tells read-only mounts, missing permissions and
 * full disks apart from a directory that works (access(2) says yes to root on a read-only mount).
 */
async function writableDirectory(file: string): Promise<string> {
  const directory = dirname(file);
  const info = await statOrUndefined(directory);
  if (info === undefined) throw new OutputProblem(`the directory ${directory} does not exist`);
  if (!info.isDirectory()) throw new OutputProblem(`${directory} is not a directory`);
  const probe = join(directory, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await (await open(probe, 'wx', 0o600)).close();
  } catch (error) {
    throw new OutputProblem(`cannot create files in ${directory} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  await unlink(probe).catch(() => undefined);
  return file;
}

function kindOf(info: Stats): string {
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OutputProblem(`cannot look at it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new OutputProblem(`cannot look at ${path} (${code ?? 'error'})`);
  }
}
