import type ssh2 from 'ssh2';
import { lazyModule } from './lazy-module.js';

/** ssh2's exports (Client, utils). */
export type Ssh2 = typeof ssh2;

/**
 * Loaded by the ssh and netconf probes before they connect: once the server's identification has
 * been read, its next bytes must reach ssh2 without a pause in between.
 */
export const loadSsh2 = lazyModule('ssh2', async () => (await import('ssh2')).default);
