import type ssh2 from 'ssh2';
import { lazyModule } from '../../kit/lazy-module.js';
import { useKeyObjects } from './key-objects.js';
import { useInternals } from '../../../src/core/internals.js';

/** ssh2's exports (Client, utils). */
export type Ssh2 = typeof ssh2;

/**
 * Loaded by the ssh and netconf probes before they connect: once the server's identification has
 * been read, its next bytes must reach ssh2 without a pause in between. Its keys then sign and
 * verify through KeyObjects (ssh-key-objects.ts: a host key check costs half as much).
 */
export const loadSsh2 = lazyModule('ssh2', async () => {
  const module = (await import('ssh2')).default;
  if (useInternals) useKeyObjects(module);
  return module;
});
