import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import icmpProbe from '../../probes/icmp.js';
import type * as PrivilegeModule from '../../probes/protocols/icmp/privilege.js';
import { parsePingOutput } from '../../probes/protocols/icmp/command.js';
import { buildEchoRequest, canonicalIp, internetChecksum, parseIcmp } from '../../probes/protocols/icmp/packet.js';
import { closeEchoSessions } from '../../probes/protocols/icmp/raw.js';
import type { ProbeTarget } from '../../src/core/probe.js';
import { binary, missing, root, titleWith } from '../support/skip.js';
import { runProbe } from '../support/probe-context.js';

// The only mock here: the privilege check. Opening a raw socket needs CAP_NET_RAW, and a test
// cannot drop a capability of its own process, so `denied` makes openRawIcmpSocket throw what
// raw-socket throws without it. Everything else runs for real.
const privilege = vi.hoisted(() => ({ denied: false }));
vi.mock('../../probes/protocols/icmp/privilege.js', async (importOriginal) => {
  const real = await importOriginal<typeof PrivilegeModule>();
  return {
    ...real,
    openRawIcmpSocket: (...args: Parameters<typeof real.openRawIcmpSocket>) => {
      if (privilege.denied) throw new Error('Operation not permitted');
      return real.openRawIcmpSocket(...args);
    },
  };
});

const target = (address: string): ProbeTarget => ({ host: 'icmp-peer', address, port: undefined, transport: 'icmp' });

afterEach(() => {
  privilege.denied = false;
  // A fresh socket per test, so a denied privilege is not hidden by a socket opened earlier.
  closeEchoSessions();
});

const noRoot = missing(root);

describe.skipIf(noRoot)(titleWith('icmp probe: raw socket', noRoot), () => {
  it('gets a reply from 127.0.0.1 with RTT and TTL', async () => {
    const facts = await runProbe(icmpProbe, target('127.0.0.1'), { options: { method: 'raw' } });
    expect(facts).toMatchObject({ state: 'open', reason: 'echo-reply' });
    expect(facts.evidence).toMatchObject({ method: 'raw-socket', ttl: 64 });
    expect(facts.evidence).not.toHaveProperty('rawUnavailable');
    expect(facts.message).toMatch(/\(raw socket\)$/);
    expect(facts.evidence?.rttMs).toBeGreaterThanOrEqual(0);
    expect(facts.bytesRead).toBeGreaterThan(0);
    expect(facts.timings).toHaveProperty('echo');
  });

  it('gets a reply from ::1', async () => {
    const facts = await runProbe(icmpProbe, target('::1'), { options: { method: 'raw' } });
    expect(facts).toMatchObject({ state: 'open', reason: 'echo-reply', evidence: { method: 'raw-socket' } });
  });

  it('matches replies of many concurrent pings over the shared socket', async () => {
    // 127.0.0.0/8 is all loopback: 300 distinct hosts, each must get its own reply.
    const addresses = Array.from({ length: 300 }, (_, i) => `127.0.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`);
    const results = await Promise.all(addresses.map((address) => runProbe(icmpProbe, target(address), { timeoutMs: 5000 })));
    expect(results.map((facts) => facts.reason)).toEqual(addresses.map(() => 'echo-reply'));
    expect(results.every((facts) => facts.evidence?.method === 'raw-socket')).toBe(true);
  });

});

describe('icmp probe without a usable method', () => {
  it('reports no-icmp-privilege when raw is forced but not permitted', async () => {
    privilege.denied = true;
    const facts = await runProbe(icmpProbe, target('127.0.0.1'), { options: { method: 'raw' } });
    expect(facts).toMatchObject({ state: 'error', reason: 'no-icmp-privilege' });
    expect(facts.message).toContain('CAP_NET_RAW');
    expect(facts.evidence).not.toHaveProperty('method');
  });

  it('reports no-icmp-privilege when neither raw sockets nor the ping command work', async () => {
    privilege.denied = true;
    const facts = await runProbe(icmpProbe, target('127.0.0.1'), { options: { pingCommand: '/nonexistent/ping' } });
    expect(facts).toMatchObject({ state: 'error', reason: 'no-icmp-privilege' });
    expect(facts.message).toContain('/nonexistent/ping');
  });

  it('declares no-icmp-privilege as a warning: nothing was tested, for a local reason', () => {
    expect(icmpProbe.reasons['no-icmp-privilege']).toMatchObject({ outcome: 'warn' });
  });
});

const noPing = missing(binary('/usr/bin/ping'));

describe.skipIf(noPing)(titleWith('icmp probe: ping command', noPing), () => {
  it('falls back to the ping command when raw sockets are not permitted (method auto)', async () => {
    privilege.denied = true;
    const facts = await runProbe(icmpProbe, target('127.0.0.1'));
    expect(facts).toMatchObject({ state: 'open', reason: 'echo-reply', evidence: { method: 'ping-command', ttl: 64 } });
    // The report says which method answered, and the JSON why the raw socket was not used.
    expect(facts.message).toMatch(/\(ping command\)$/);
    expect(facts.evidence?.rawUnavailable).toContain('CAP_NET_RAW');
  });

  it('gets a reply from 127.0.0.1 through /usr/bin/ping', async () => {
    const facts = await runProbe(icmpProbe, target('127.0.0.1'), { options: { method: 'command' } });
    expect(facts).toMatchObject({ state: 'open', reason: 'echo-reply', evidence: { method: 'ping-command', ttl: 64 } });
    expect(facts.evidence?.rttMs).toBeGreaterThanOrEqual(0);
  });

  it('gets a reply from ::1 through /usr/bin/ping', async () => {
    const facts = await runProbe(icmpProbe, target('::1'), { options: { method: 'command' } });
    expect(facts).toMatchObject({ state: 'open', reason: 'echo-reply', evidence: { method: 'ping-command' } });
  });

});

describe('icmp probe: ping command output', () => {
  describe('with scripted stand-ins for ping (what it prints on paths loopback cannot produce)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netcheck-fake-ping-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const script = (name: string, body: string): string => {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
      return path;
    };

    it('reads a destination unreachable with its code', async () => {
      const ping = script('prohibited', "echo 'PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.'\necho 'From 127.0.0.9 icmp_seq=1 Destination Host Prohibited'\nexit 1");
      const facts = await runProbe(icmpProbe, target('127.0.0.1'), { options: { method: 'command', pingCommand: ping } });
      expect(facts).toMatchObject({
        state: 'filtered',
        reason: 'icmp-unreachable',
        evidence: { icmpType: 3, icmpCode: 10, icmpMeaning: 'host-prohibited', from: '127.0.0.9' },
      });
    });

    it('reads a send refused by a local OUTPUT rule as local-firewall', async () => {
      const ping = script('eperm', "echo 'ping: sendmsg: Operation not permitted' >&2\nexit 1");
      const facts = await runProbe(icmpProbe, target('127.0.0.1'), { options: { method: 'command', pingCommand: ping } });
      expect(facts).toMatchObject({ state: 'filtered', reason: 'local-firewall' });
    });

    it('reads a ping without its capability as no-icmp-privilege', async () => {
      const ping = script('nocap', "echo 'ping: socket: Operation not permitted' >&2\nexit 2");
      const facts = await runProbe(icmpProbe, target('127.0.0.1'), { options: { method: 'command', pingCommand: ping } });
      expect(facts).toMatchObject({ state: 'error', reason: 'no-icmp-privilege' });
    });

    it('kills a ping that outlives the deadline and reports a timeout', async () => {
      const pidFile = join(dir, 'slow.pid');
      const ping = script('slow', `echo $$ > ${pidFile}\nexec sleep 30`);
      const facts = await runProbe(icmpProbe, target('127.0.0.1'), { timeoutMs: 300, options: { method: 'command', pingCommand: ping } });
      expect(facts).toMatchObject({ state: 'filtered', reason: 'timeout' });
      const pid = Number(readFileSync(pidFile, 'utf8'));
      await expect.poll(() => isRunning(pid)).toBe(false);
    });

    it('kills it on interruption too, and says "aborted"', async () => {
      const ping = script('slow2', 'exec sleep 30');
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('shutdown')), 50).unref();
      const facts = await runProbe(icmpProbe, target('127.0.0.1'), {
        timeoutMs: 30_000,
        parent: controller.signal,
        options: { method: 'command', pingCommand: ping },
      });
      expect(facts).toMatchObject({ state: 'error', reason: 'aborted' });
    });
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ping output parser (iputils 20221126, LC_ALL=C)', () => {
  it('reads a reply', () => {
    const out = 'PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.053 ms\n';
    expect(parsePingOutput(out, '', 0, 4)).toEqual({ kind: 'reply', rttMs: 0.053, ttl: 64 });
  });

  it('reads an IPv6 reply', () => {
    const out = 'PING ::1(::1) 56 data bytes\n64 bytes from ::1: icmp_seq=1 ttl=64 time=0.030 ms\n';
    expect(parsePingOutput(out, '', 0, 6)).toEqual({ kind: 'reply', rttMs: 0.03, ttl: 64 });
  });

  it('reads unreachables and time exceeded', () => {
    expect(parsePingOutput('From 198.51.100.1 icmp_seq=1 Destination Net Unreachable\n', '', 1, 4)).toMatchObject({
      kind: 'icmp-error',
      type: 3,
      code: 0,
      meaning: 'net-unreachable',
      from: '198.51.100.1',
    });
    expect(parsePingOutput('From 198.51.100.1 icmp_seq=1 Packet filtered\n', '', 1, 4)).toMatchObject({ code: 13, meaning: 'admin-prohibited' });
    expect(parsePingOutput('From 198.51.100.1 icmp_seq=1 Time to live exceeded\n', '', 1, 4)).toMatchObject({ type: 11, meaning: 'ttl-exceeded' });
    expect(parsePingOutput('From 2001:db8::1 icmp_seq=1 Destination unreachable: Administratively prohibited\n', '', 1, 6)).toMatchObject({
      type: 1,
      code: 1,
      meaning: 'admin-prohibited',
      from: '2001:db8::1',
    });
  });

  it('reads silence, local send errors and other failures', () => {
    expect(parsePingOutput('PING x\n\n--- x ping statistics ---\n1 packets transmitted, 0 received\n', '', 1, 4)).toEqual({ kind: 'no-reply' });
    expect(parsePingOutput('', 'ping: connect: Network is unreachable\n', 2, 4)).toMatchObject({ kind: 'send-error', code: 'ENETUNREACH' });
    expect(parsePingOutput('', 'something odd\n', 2, 4)).toMatchObject({ kind: 'send-error', code: undefined });
  });
});

describe('ICMP packets', () => {
  const id = 0x1234;
  const seq = 7;
  const nonce = Buffer.from('0123456789abcdef');

  const ipv4 = (protocol: number, source: number[], destination: number[], payload: Buffer, ttl = 64): Buffer => {
    const header = Buffer.alloc(20);
    header[0] = 0x45;
    header.writeUInt16BE(20 + payload.length, 2);
    header[8] = ttl;
    header[9] = protocol;
    Buffer.from(source).copy(header, 12);
    Buffer.from(destination).copy(header, 16);
    return Buffer.concat([header, payload]);
  };

  it('builds an IPv4 echo request with a valid checksum', () => {
    const packet = buildEchoRequest(4, id, seq, nonce);
    expect(packet[0]).toBe(8);
    expect(internetChecksum(packet)).toBe(0);
  });

  it('reads an IPv4 echo reply with its TTL', () => {
    const reply = Buffer.from(buildEchoRequest(4, id, seq, nonce));
    reply[0] = 0;
    const datagram = ipv4(1, [127, 0, 0, 1], [127, 0, 0, 1], reply, 61);
    expect(parseIcmp(4, datagram)).toEqual({ kind: 'echo-reply', id, seq, payload: nonce, ttl: 61 });
  });

  it('reads an IPv4 unreachable quoting our request', () => {
    const quoted = ipv4(1, [198, 51, 100, 10], [198, 51, 100, 20], buildEchoRequest(4, id, seq, nonce).subarray(0, 8));
    const error = Buffer.concat([Buffer.from([3, 13, 0, 0, 0, 0, 0, 0]), quoted]);
    const datagram = ipv4(1, [198, 51, 100, 1], [198, 51, 100, 10], error);
    expect(parseIcmp(4, datagram)).toEqual({ kind: 'error', type: 3, code: 13, id, seq, destination: '198.51.100.20' });
  });

  it('ignores our own echo requests seen on the raw socket, and other traffic', () => {
    expect(parseIcmp(4, ipv4(1, [127, 0, 0, 1], [127, 0, 0, 1], buildEchoRequest(4, id, seq, nonce)))).toBeUndefined();
    expect(parseIcmp(4, Buffer.from([1, 2, 3]))).toBeUndefined();
  });

  it('reads an ICMPv6 reply and an ICMPv6 unreachable', () => {
    const reply = Buffer.from(buildEchoRequest(6, id, seq, nonce));
    reply[0] = 129;
    expect(parseIcmp(6, reply)).toEqual({ kind: 'echo-reply', id, seq, payload: nonce });

    const header = Buffer.alloc(40);
    header[0] = 0x60;
    header[6] = 58;
    Buffer.from('20010db8000000000000000000000014', 'hex').copy(header, 24);
    const error = Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), header, buildEchoRequest(6, id, seq, nonce)]);
    expect(parseIcmp(6, error)).toEqual({ kind: 'error', type: 1, code: 1, id, seq, destination: '2001:db8::14' });
  });

  it('compares IPv6 addresses in canonical form', () => {
    expect(canonicalIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalIp('2001:DB8:0::14')).toBe('2001:db8::14');
    expect(canonicalIp('127.0.0.1')).toBe('127.0.0.1');
  });
});

describe('icmp probe options', () => {
  it('has a documented default for every option', () => {
    expect(icmpProbe.optionsSchema.parse({})).toEqual({ method: 'auto', pingCommand: '/usr/bin/ping' });
    expectDocumentedOptions(icmpProbe.optionsSchema);
    expect(icmpProbe.optionsSchema.safeParse({ method: 'dgram' }).success).toBe(false);
  });
});

function expectDocumentedOptions(schema: z.ZodType): void {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, { description?: string; default?: unknown }> };
  for (const [key, property] of Object.entries(json.properties ?? {})) {
    expect(property.description, `${key} has a description`).toBeTruthy();
    expect(property.default, `${key} has a default`).not.toBeUndefined();
  }
}
