import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeFacts, ProbeTarget } from '../../src/core/probe.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { missing, netns, titleWith } from '../support/skip.js';
import type { ProbeRequest } from './probe-runner.js';
import { probeRunnerPath } from './probe-runner-build.js';

/**
 * Every UDP probe (they all open their socket through probes/kit/udp-exchange.ts) against routes
 * of each type in the prober's own namespace: connect() fails at once, and the error is the
 * path's reason. Before issue 17 the error was ignored and the later send failed with
 * ERR_SOCKET_BAD_PORT (error, local-error). No packet leaves the prober: each route discards it.
 */
const why = missing(netns);

const ROUTES = [
  { type: 'unreachable', suffix: '200', reason: 'host-unreachable' },
  { type: 'prohibit', suffix: '201', reason: 'admin-prohibited' },
  { type: 'blackhole', suffix: '202', reason: 'no-route' },
  // A throw route ends the lookup without a match: the same as no route at all.
  { type: 'throw', suffix: '203', reason: 'net-unreachable' },
] as const;
const KINDS = ['udp', 'ntp', 'dns', 'radius', 'snmp'] as const;

describe.skipIf(why)(titleWith('UDP probes to unreachable, prohibit, blackhole and throw routes', why), () => {
  let lab: NetnsLab;
  let runner: string;

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['prober'] });
    runner = probeRunnerPath();
    for (const route of ROUTES) {
      await lab.execOk('prober', 'ip', ['route', 'add', route.type, `198.51.100.${route.suffix}/32`]);
      await lab.execOk('prober', 'ip', ['-6', 'route', 'add', route.type, `2001:db8::${route.suffix}/128`]);
    }
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const probe = async (kind: (typeof KINDS)[number], address: string): Promise<ProbeFacts> => {
    const target: ProbeTarget = { host: 'routed', address, port: kind === 'udp' ? 9000 : undefined, transport: 'udp' };
    const request: ProbeRequest = {
      kind,
      target,
      timeoutMs: 1500,
      ...(kind === 'radius' ? { radius: { secret: 'lab-secret' } } : {}),
      ...(kind === 'snmp' ? { snmp: { version: '2c' as const, community: 'public' } } : {}),
    };
    const result = await lab.runNode('prober', runner, [JSON.stringify(request)], { timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`probe runner failed (${String(result.code)}):\n${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as ProbeFacts;
  };

  for (const route of ROUTES) {
    it(`a ${route.type} route: filtered (${route.reason}) for every UDP probe, IPv4 and IPv6`, async () => {
      const cases = KINDS.flatMap((kind) => [`198.51.100.${route.suffix}`, `2001:db8::${route.suffix}`].map((address) => ({ kind, address })));
      const facts = await Promise.all(cases.map(({ kind, address }) => probe(kind, address)));
      for (const [index, fact] of facts.entries()) {
        const { kind, address } = cases[index] ?? {};
        expect({ kind, address, state: fact.state, reason: fact.reason }).toEqual({ kind, address, state: 'filtered', reason: route.reason });
        expect(fact.message ?? '').not.toContain('ERR_SOCKET_BAD_PORT');
      }
    });
  }
});
