import type ssh2 from 'ssh2';
import { lazyModule } from '../../kit/lazy-module.js';

/** ssh2's exports (Client, utils). */
export type Ssh2 = typeof ssh2;

/**
 * Loaded by the ssh and netconf probes before they connect: once the server's identification has
 * been read, its next bytes must reach ssh2 without a pause in between. Used through its public API
 * only: ssh2 checks host key signatures from the key's PEM text, which costs more CPU than a
 * KeyObject would (docs/benchmarks.md, "Public APIs"); docs/upstream/ssh2-keyobject-signatures.md
 * offers ssh2 the change instead of patching it here.
 */
export const loadSsh2 = lazyModule('ssh2', async () => (await import('ssh2')).default);
