import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAtomically } from '../../src/report/write-atomic.js';

const SIZE = 8 * 1024 * 1024;
const VERSIONS = 12;

/**
 * A separate process (so it really runs at the same time as the writer) that reads the file in a
 * loop and checks every read: whole size, one fill byte throughout. It prints the fill byte each
 * time it changes, and its counts when the stop file appears.
 */
const READER = `
const fs = require('node:fs');
const [file, stop, size] = process.argv.slice(1);
let reads = 0, partial = 0, missing = 0, last = '';
while (!fs.existsSync(stop)) {
  let data;
  try { data = fs.readFileSync(file); } catch { missing++; continue; }
  reads++;
  const fill = data[0];
  const whole = data.length === Number(size) && data.indexOf(fill === 65 ? 66 : 65) === -1;
  if (!whole) { partial++; continue; }
  const kind = String.fromCharCode(fill);
  if (kind !== last) { last = kind; console.log('saw ' + kind); }
}
console.log(JSON.stringify({ reads, partial, missing }));
`;

describe('writeAtomically', () => {
  let directory = '';

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'psm-netcheck-atomic-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('never lets a concurrent reader see a partial file', async () => {
    const file = join(directory, 'report.prom');
    const stop = join(directory, 'stop');
    const contents = { A: 'A'.repeat(SIZE), B: 'B'.repeat(SIZE) };
    await writeAtomically(file, contents.A);

    const reader = spawn(process.execPath, ['-e', READER, file, stop, String(SIZE)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: reader.stdout })[Symbol.asyncIterator]();
    const nextLine = async (): Promise<string> => {
      const { value, done } = await lines.next();
      if (done) throw new Error('the reader stopped early');
      return value as string;
    };
    try {
      expect(await nextLine()).toBe('saw A');
      // Alternate the content; wait each time until the reader has seen the new version, so it
      // is reading throughout the next write.
      for (let version = 1; version <= VERSIONS; version++) {
        const kind = version % 2 === 1 ? 'B' : 'A';
        await writeAtomically(file, contents[kind]);
        expect(await nextLine()).toBe(`saw ${kind}`);
      }
      await writeFile(stop, '');
      const stats = JSON.parse(await nextLine()) as { reads: number; partial: number; missing: number };
      expect(stats.partial).toBe(0);
      expect(stats.missing).toBe(0);
      expect(stats.reads).toBeGreaterThanOrEqual(VERSIONS + 1);
    } finally {
      reader.kill();
    }
    expect((await readdir(directory)).sort()).toEqual(['report.prom', 'stop']);
  });

  it('replaces the content and leaves no temporary file', async () => {
    const file = join(directory, 'report.json');
    await writeAtomically(file, 'first\n');
    await writeAtomically(file, 'second\n');
    expect(await readFile(file, 'utf8')).toBe('second\n');
    expect(await readdir(directory)).toEqual(['report.json']);
  });

  it('writes text given in pieces, in order, multi-byte characters included', async () => {
    const file = join(directory, 'report.json');
    function* pieces(): Generator<string> {
      yield '{"a":';
      yield '"é→✓"';
      yield '}\n';
    }
    await writeAtomically(file, pieces());
    expect(await readFile(file, 'utf8')).toBe('{"a":"é→✓"}\n');
    expect(await readdir(directory)).toEqual(['report.json']);
  });

  it('writes pieces given as byte parts as they are, between string pieces', async () => {
    const file = join(directory, 'parts.txt');
    const parts = ['héllo', ' ', 'wörld', '🛰'].map((text) => Buffer.from(text));
    // More parts than one writev takes at once (IOV_MAX is 1024 on Linux).
    const many = Array.from({ length: 3000 }, (_, i) => Buffer.from(`${i % 10}`));
    await writeAtomically(file, ['<', parts, '|', many, '>']);
    expect(await readFile(file, 'utf8')).toBe(`<héllo wörld🛰|${many.map(String).join('')}>`);
  });

  it('leaves the old file and no temporary one when producing a piece fails', async () => {
    const file = join(directory, 'report.json');
    await writeAtomically(file, 'old\n');
    function* failing(): Generator<string> {
      yield 'new, half';
      throw new Error('formatter failed');
    }
    await expect(writeAtomically(file, failing())).rejects.toThrow('formatter failed');
    expect(await readFile(file, 'utf8')).toBe('old\n');
    expect(await readdir(directory)).toEqual(['report.json']);
  });

  it('rejects and cleans up when the rename fails', async () => {
    const target = join(directory, 'is-a-directory');
    await mkdir(target);
    await writeFile(join(target, 'keep'), '');
    await expect(writeAtomically(target, 'text')).rejects.toThrow();
    expect(await readdir(directory)).toEqual(['is-a-directory']);
  });

  it('rejects when the directory does not exist', async () => {
    await expect(writeAtomically(join(directory, 'missing', 'report.json'), 'text')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
