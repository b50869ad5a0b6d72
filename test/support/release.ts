import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runOk } from './process.js';

/**
 * The release artifacts (`npm run release`), built once per test run and shared by the test
 * files that need them (tarball, packages, README): building takes a minute or two, mostly
 * compressing the runtime three times. The files of one vitest run are forks of the same parent,
 * so the parent's PID names the build; a later run builds anew. A lock directory keeps two test
 * files from building at once.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
export const VERSION = pkg.version;
export const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';
export const TARBALL = `psm-netcheck-${VERSION}-linux-${ARCH}.tar.gz`;
export const TREE = `psm-netcheck-${VERSION}-linux-${ARCH}`;
export const DEB = `psm-netcheck_${VERSION}-1_${ARCH === 'x64' ? 'amd64' : 'arm64'}.deb`;
export const RPM = `psm-netcheck-${VERSION}-1.${ARCH === 'x64' ? 'x86_64' : 'aarch64'}.rpm`;

const DIR = path.join(tmpdir(), `psm-netcheck-release-test-${createHash('sha256').update(ROOT).digest('hex').slice(0, 10)}`);
const LOCK = `${DIR}.lock`;
const STAMP = path.join(DIR, 'built-for');
/** A lock older than this was left by a run that died. */
const STALE_LOCK_MS = 20 * 60_000;

let built: Promise<string> | undefined;

/** The directory holding TARBALL, DEB, RPM and SHA256SUMS, built by this test run. */
export function releaseArtifacts(): Promise<string> {
  built ??= buildOnce();
  return built;
}

async function buildOnce(): Promise<string> {
  const stamp = `vitest ${process.ppid}\n`;
  await takeLock();
  try {
    if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stamp) return DIR;
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    // The README's way: npm run release (the build step is already done by the test run).
    await runOk(process.execPath, [path.join(ROOT, 'dist/scripts/release/build.js'), '--out', DIR], { cwd: ROOT, timeoutMs: 15 * 60_000 });
    writeFileSync(STAMP, stamp);
    return DIR;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

async function takeLock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch {
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // gone meanwhile: try again
      }
      await sleep(500);
    }
  }
}
