import { afterEach, describe, expect, it } from 'vitest';
import { closeEchoSessions, echoRaw, echoSessionUsesInternals } from '../../probes/protocols/icmp/raw.js';
import { DeadlineError } from '../../src/core/abort.js';
import { useInternals } from '../../src/core/internals.js';
import { missing, root, titleWith } from '../support/skip.js';

/**
 * The raw-socket echo (probes/protocols/icmp/raw.ts) whichever way this process runs it:
 * raw-socket's documented send() and 'message' event by default, its native handle with
 * PSM_NETCHECK_INTERNALS=1 (CI runs the suite both ways). Loopback answers every echo.
 */
afterEach(() => closeEchoSessions());

const noRoot = missing(root);

describe.skipIf(noRoot)(titleWith('icmp raw-socket echo, public API or native handle', noRoot), () => {
  it("uses raw-socket's native handle exactly when PSM_NETCHECK_INTERNALS=1 (and raw-socket still has it)", async () => {
    const result = await echoRaw('127.0.0.1', 4, AbortSignal.timeout(5000));
    expect(result.kind).toBe('reply');
    // In CI's second pass this fails if a raw-socket release removed or reshaped `socket.wrap`.
    expect(echoSessionUsesInternals(4)).toBe(useInternals);
  });

  it('a burst larger than a turn of the event loop: each ping gets its own reply, with its RTT', async () => {
    // 127.0.0.0/8 is all loopback: 1000 distinct targets, started in one turn.
    const addresses = Array.from({ length: 1000 }, (_, i) => `127.3.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`);
    // A deadline each, as the runner gives each probe (a generous one: no test asserts on time).
    const results = await Promise.all(addresses.map((address) => echoRaw(address, 4, AbortSignal.timeout(30_000))));
    expect(results.filter((result) => result.kind !== 'reply')).toEqual([]);
    for (const result of results) if (result.kind === 'reply') expect(result.rttMs).toBeGreaterThanOrEqual(0);
  });

  it('a ping whose deadline comes first ends as no reply, and the session takes the next one', async () => {
    const expired = new AbortController();
    expired.abort(new DeadlineError(1));
    expect(await echoRaw('127.0.0.1', 4, expired.signal)).toEqual({ kind: 'no-reply' });
    expect((await echoRaw('127.0.0.1', 4, AbortSignal.timeout(5000))).kind).toBe('reply');
  });
});
