import { randomBytes } from 'node:crypto';
import { write } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A piece of a file's text: a string (written as UTF-8), or UTF-8 bytes in parts, written as they are in one writev. */
export type TextPiece = string | readonly Uint8Array[];

/**
 * Replace `path` with `text` (whole, or in pieces written in order) so that a reader (a Prometheus textfile collector, a dashboard that
 * polls the JSON) sees either the old file or the new one, never a half-written one: write a
 * temporary file in the same directory (rename is atomic only within one file system), flush it
 * to disk, then rename it over the target.
 */
export async function writeAtomically(path: string, text: string | Iterable<TextPiece>): Promise<void> {
  const directory = dirname(path);
  // A dot name ending in .tmp: node_exporter's textfile collector reads only *.prom files.
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temporary, 'wx', 0o644);
  try {
    try {
      await writePieces(file, text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

/**
 * Write `text` through to `path` as it is, appended: for what cannot be renamed over (a character
 * device such as /dev/null or a terminal, a FIFO, /dev/stdout). See ./output-target.ts.
 */
export async function writeThrough(path: string, text: string | Iterable<TextPiece>): Promise<void> {
  const file = await open(path, 'a');
  try {
    await writePieces(file, text);
  } finally {
    await file.close();
  }
}

/** Write `text` to an open descriptor of this process (/dev/stdout and the like), which stays open. */
export async function writeToDescriptor(fd: number, text: string | Iterable<TextPiece>): Promise<void> {
  const pieces = typeof text === 'string' ? [text] : text;
  for (const piece of pieces) {
    const buffers = typeof piece === 'string' ? [Buffer.from(piece, 'utf8')] : piece;
    for (const buffer of buffers) {
      let offset = 0;
      while (offset < buffer.length) offset += await writeSome(fd, buffer, offset);
    }
  }
}

function writeSome(fd: number, buffer: Uint8Array, offset: number): Promise<number> {
  return new Promise((resolve, reject) => {
    write(fd, buffer, offset, buffer.length - offset, null, (error, written) => {
      if (error) reject(error);
      else if (written === 0) reject(new Error('the descriptor took no more bytes'));
      else resolve(written);
    });
  });
}

async function writePieces(file: FileHandle, text: string | Iterable<TextPiece>): Promise<void> {
  if (typeof text === 'string') await file.writeFile(text, 'utf8');
  else for (const piece of text) await (typeof piece === 'string' ? file.writeFile(piece, 'utf8') : writeAll(file, piece));
}

/**
 * All of `parts`, in order: one writev may write less than asked (libuv passes at most IOV_MAX
 * buffers, 1,024 on Linux, and a signal or a full disk can cut it short).
 */
async function writeAll(file: FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  let rest = parts;
  while (rest.length > 0) {
    let { bytesWritten } = await file.writev(rest as Uint8Array[]);
    if (bytesWritten === 0 && rest.some((part) => part.length > 0)) throw new Error('the file took no more bytes');
    let index = 0;
    while (index < rest.length && bytesWritten >= (rest[index] as Uint8Array).length) bytesWritten -= (rest[index++] as Uint8Array).length;
    rest = rest.slice(index);
    if (bytesWritten > 0) rest = [(rest[0] as Uint8Array).subarray(bytesWritten), ...rest.slice(1)];
  }
}

/** Make the rename itself durable. Some file systems refuse fsync on a directory: then skip it. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability of the directory entry is best effort; the content is already on disk.
  }
}
