import { setTimeout as sleep } from 'node:timers/promises';
import { run, runOk } from '../process.js';

/**
 * The one local account the lab's daemons accept (sshd password login, NETCONF superuser) and an
 * unprivileged prober can run as. The password is fixed, not random: parallel test workers share
 * /etc/shadow, and two workers setting different passwords would break each other's logins.
 */
export const LAB_USER = 'netcheck';
export const LAB_PASSWORD = 'netcheck-lab-password';

let ensured: Promise<void> | undefined;

export function ensureLabUser(): Promise<void> {
  ensured ??= createUser();
  return ensured;
}

async function createUser(): Promise<void> {
  // Another worker may be running useradd at the same moment (it locks /etc/passwd): retry briefly.
  for (let attempt = 0; ; attempt++) {
    if ((await run('id', ['-u', LAB_USER])).code === 0) break;
    const added = await run('useradd', ['--no-create-home', '--home-dir', '/nonexistent', '--shell', '/bin/sh', LAB_USER]);
    if (added.code === 0 || attempt >= 20) {
      if (added.code !== 0 && (await run('id', ['-u', LAB_USER])).code !== 0) {
        throw new Error(`useradd ${LAB_USER} failed: ${added.stderr}`);
      }
      break;
    }
    await sleep(100);
  }
  for (let attempt = 0; ; attempt++) {
    const result = await run('chpasswd', [], { input: `${LAB_USER}:${LAB_PASSWORD}\n` });
    if (result.code === 0) return;
    if (attempt >= 20) {
      await runOk('chpasswd', [], { input: `${LAB_USER}:${LAB_PASSWORD}\n` });
      return;
    }
    await sleep(100);
  }
}
