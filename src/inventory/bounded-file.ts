import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/**
 * Reading a file the user named (the inventory, a secret, a CSV host list) without trusting it:
 * `/dev/zero` would fill memory, a FIFO with no writer would block for ever, a 200 MB "password"
 * is a mistake. So: regular files only, at most `limit` bytes, decided before reading anything.
 * Synchronous because parseInventory() is (secrets resolve while the text is checked).
 */
export type BoundedRead =
  | { readonly ok: true; readonly text: string }
  /** `reason` names the path and what is wrong with it, never the content. */
  | { readonly ok: false; readonly reason: string };

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ELOOP: 'too many symbolic links',
  ENOTDIR: 'a part of the path is not a directory',
};

/** `what` names the file in messages: "the inventory", "secret file". */
export function readBoundedFile(path: string, limit: number, what: string): BoundedRead {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, before any check.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return { ok: false, reason: `cannot read ${what} ${path}: ${ERRNO_TEXT[code] ?? code}` };
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { ok: false, reason: `cannot read ${what} ${path}: is a directory` };
    if (!stat.isFile()) return { ok: false, reason: `${what} ${path} is not a regular file (${kindOf(stat)})` };
    if (stat.size > limit) return { ok: false, reason: tooLarge(what, path, limit) };
    // One byte more than the limit: a file that grew since fstat is still caught.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, limit) + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > limit) return { ok: false, reason: tooLarge(what, path, limit) };
      if (length === buffer.length) break;
    }
    return { ok: true, text: buffer.toString('utf8', 0, length) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return { ok: false, reason: `cannot read ${what} ${path}: ${ERRNO_TEXT[code] ?? code}` };
  } finally {
    closeSync(fd);
  }
}

function tooLarge(what: string, path: string, limit: number): string {
  return `${what} ${path} is larger than ${formatBytes(limit)}, the limit`;
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 20 ? `${bytes / 2 ** 20} MiB` : `${bytes / 2 ** 10} KiB`;
}

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}
