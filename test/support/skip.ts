import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Tests that need root or a real daemon skip on a machine without them, with the reason shown.
 * Under CI=true the same lack is a failure: CI installs everything, so a skip there would hide a
 * broken setup.
 */

const inCi = process.env.CI === 'true';

/** Returns the reason the environment lacks something, or undefined when all is present. */
export type Requirement = () => string | undefined;

export const root: Requirement = () =>
  process.getuid?.() === 0 ? undefined : 'needs root (network namespaces, nftables, privileged ports)';

export function binary(path: string): Requirement {
  return () => (existsSync(path) ? undefined : `needs ${path} (install its Debian package)`);
}

export const netns: Requirement = () => {
  const noRoot = root();
  if (noRoot) return noRoot;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'needs iproute2 with network namespace support';
  }
};

/**
 * The reason to skip, or undefined to run. Throws under CI=true instead of skipping.
 * Use as: `describe.skipIf(missing(root, binary('/usr/sbin/sshd')))(...)` with the reason
 * printed in the describe title via `titleWith()`.
 */
export function missing(...requirements: Requirement[]): string | undefined {
  for (const requirement of requirements) {
    const why = requirement();
    if (why !== undefined) {
      if (inCi) throw new Error(`CI=true but the test environment is incomplete: ${why}`);
      return why;
    }
  }
  return undefined;
}

/** A describe title that carries the skip reason, so the runner's output shows why. */
export function titleWith(title: string, why: string | undefined): string {
  return why === undefined ? title : `${title} [skipped: ${why}]`;
}
