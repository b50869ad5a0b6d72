import type { Transport } from '../../../src/core/model.js';
import type { ProbeDefinition, ProbeTarget } from '../../../src/core/probe.js';
import { contractProblems, GRACE_MS, observe, type Observation, type RunSpec } from './observe.js';
import * as peers from './peers.js';

/**
 * The conformance scenarios: each starts its own peer, runs the probe once against it, and returns
 * the broken promises it saw as sentences (an empty list: the probe kept them all). Scenarios share
 * nothing, so they can run at the same time, and a broken probe can be shown to fail them
 * (test/probes/conformance-fixtures.test.ts).
 */
export interface Scenario {
  /** The promise, as a test title. */
  readonly title: string;
  readonly transports: readonly Transport[];
  check(probe: ProbeDefinition<unknown>): Promise<string[]>;
}

/**
 * How long after a probe resolves the peer may wait to see its socket closed. A probe that closes
 * as it resolves sends its FIN at once (a polite close then waits up to 250 ms for the peer's, but
 * the FIN itself is not delayed); the rest is room for a loaded machine. Waited in full only for
 * a socket that was left open.
 */
export const LEAK_BOUND_MS = 2000;

/** The budget the flood scenarios give; both floods send many times more. */
export const FLOOD_MAX_BYTES = 4096;

/**
 * The flood scenario's deadline. TCP: the peer counts what it handed the probe, and a probe that
 * reads on past its budget takes hundreds of megabytes in this time on loopback (even slowed ten
 * times by a loaded machine, several times the bound). UDP: the peer cannot see what the probe
 * reads (the kernel queues datagrams whether the probe reads them or not), so the sign is time: a
 * probe that keeps to its budget is done within milliseconds of the flood, one that reads on is
 * still at it when this deadline fires. Three seconds is room for a machine stalled far longer
 * than any probe needs to read 16 KB.
 */
const FLOOD_TIMEOUT_MS = { tcp: 2000, udp: 3000 } as const;

/** A deadline no probe reaches: the scenario interrupts the run long before it. */
const UNREACHED_TIMEOUT_MS = 30_000;

const target = (probe: ProbeDefinition<unknown>, port: number | undefined): ProbeTarget => ({
  host: 'conformance-peer',
  address: '127.0.0.1',
  port: probe.transport === 'icmp' ? undefined : port,
  transport: probe.transport,
});

type Peer = peers.WatchedTcpPeer | peers.WatchedUdpPeer;

async function withPeer(
  probe: ProbeDefinition<unknown>,
  tcp: peers.TcpBehaviour,
  udp: peers.UdpBehaviour,
  use: (peer: Peer) => Promise<string[]>,
): Promise<string[]> {
  const peer = probe.transport === 'udp' ? await peers.watchedUdpPeer(udp) : await peers.watchedTcpPeer(tcp);
  try {
    return await use(peer);
  } finally {
    await peer.close();
  }
}

/**
 * Sockets the probe left open, seen by the peer: a TCP connection without FIN or RST from the
 * probe, a UDP source port that still takes datagrams. Checked after the probe resolved.
 */
async function leaks(peer: Peer, observed: Observation): Promise<string[]> {
  if (observed.stillRunning) return [];
  if ('connections' in peer) {
    const open = await Promise.race([
      Promise.all(peer.connections.map((c) => c.whenEnded)).then(() => 0),
      new Promise<number>((resolve) => setTimeout(() => resolve(peer.connections.filter((c) => !c.ended).length), LEAK_BOUND_MS)),
    ]);
    return open === 0 ? [] : [`leaked a socket: the peer saw no FIN or RST on ${open} connection(s) within ${LEAK_BOUND_MS} ms after the probe resolved`];
  }
  const closed = await Promise.all(peer.sources.map((source) => peers.udpSourceClosed(peer.port, source, LEAK_BOUND_MS)));
  const open = closed.filter((c) => !c).length;
  return open === 0 ? [] : [`leaked a socket: ${open} UDP source port(s) still took datagrams ${LEAK_BOUND_MS} ms after the probe resolved`];
}

/** Run, then the contract and the leak check: what every scenario with a peer does. */
async function runAgainst(probe: ProbeDefinition<unknown>, peer: Peer, spec: RunSpec): Promise<{ observed: Observation; problems: string[] }> {
  const observed = await observe(probe, target(probe, peer.port), spec);
  const problems = [...contractProblems(probe, observed, spec), ...(await leaks(peer, observed))];
  return { observed, problems };
}

const APP_PROBE = (probe: ProbeDefinition<unknown>): boolean => !['tcp', 'udp', 'icmp'].includes(probe.kind);

export const SCENARIOS: readonly Scenario[] = [
  {
    title: 'resolves as closed on a port with nothing listening',
    transports: ['tcp', 'udp'],
    async check(probe) {
      const port = probe.transport === 'udp' ? await peers.closedUdpPort() : await peers.closedTcpPort();
      const spec = { timeoutMs: 800 };
      const observed = await observe(probe, target(probe, port), spec);
      const problems = contractProblems(probe, observed, spec);
      if (observed.facts !== undefined && observed.facts.state !== 'closed') problems.push(`reported "${observed.facts.state}" for a closed port`);
      return problems;
    },
  },
  {
    title: 'answers a loopback echo within its deadline',
    transports: ['icmp'],
    async check(probe) {
      const spec = { timeoutMs: 800 };
      return contractProblems(probe, await observe(probe, target(probe, undefined), spec), spec);
    },
  },
  {
    title: 'stops at its deadline on a silent peer, and closes its socket',
    transports: ['tcp', 'udp'],
    check: (probe) =>
      withPeer(probe, 'silent', 'silent', async (peer) => (await runAgainst(probe, peer, { timeoutMs: 300 })).problems),
  },
  {
    title: 'resolves on a peer that talks garbage, without calling it its protocol',
    transports: ['tcp', 'udp'],
    check: (probe) =>
      withPeer(probe, 'garbage', 'garbage', async (peer) => {
        const { observed, problems } = await runAgainst(probe, peer, { timeoutMs: 500 });
        if (APP_PROBE(probe) && observed.facts?.reason === 'connected') problems.push('called garbage a working service ("connected")');
        return problems;
      }),
  },
  {
    title: 'resolves on a peer that resets the connection',
    transports: ['tcp'],
    check: (probe) => withPeer(probe, 'reset', 'silent', async (peer) => (await runAgainst(probe, peer, { timeoutMs: 800 })).problems),
  },
  {
    title: 'stops reading a flooding peer at its byte budget',
    transports: ['tcp', 'udp'],
    check: (probe) =>
      withPeer(probe, 'flood', 'flood', async (peer) => {
        const timeoutMs = probe.transport === 'udp' ? FLOOD_TIMEOUT_MS.udp : FLOOD_TIMEOUT_MS.tcp;
        const { observed, problems } = await runAgainst(probe, peer, { timeoutMs, maxBytes: FLOOD_MAX_BYTES });
        if (observed.stillRunning) return problems;
        const facts = observed.facts;
        if (facts?.bytesRead !== undefined && facts.bytesRead > FLOOD_MAX_BYTES) {
          problems.push(`read past its byte budget: reports bytesRead ${facts.bytesRead} > ${FLOOD_MAX_BYTES}`);
        }
        if ('connections' in peer) {
          // The peer's count, whatever the probe says: all it read plus what waits in kernel buffers.
          const sent = peer.connections.reduce((sum, c) => sum + c.bytesSent, 0);
          const bound = FLOOD_MAX_BYTES + 2 * (await peers.loopbackBuffering());
          if (sent > bound) problems.push(`read past its byte budget: the peer handed it ${sent} bytes, more than the budget plus the kernel's buffers (${bound})`);
          return problems;
        }
        const datagrams = `${peers.FLOOD_DATAGRAMS * peers.FLOOD_DATAGRAM_BYTES} bytes of datagrams`;
        if (observed.signalledFirst) {
          problems.push(`read past its byte budget: still reading ${datagrams} when its ${timeoutMs} ms deadline fired, with a budget of ${FLOOD_MAX_BYTES}`);
        }
        // Nor can the peer check the count: the probe must give it.
        if (facts !== undefined && facts.bytesRead === undefined) problems.push(`reported no bytesRead after ${datagrams}`);
        return problems;
      }),
  },
  {
    title: 'sends nothing and reports "aborted" when the run is already interrupted',
    transports: ['tcp', 'udp', 'icmp'],
    check: (probe) =>
      withPeer(probe, 'silent', 'silent', async (peer) => {
        const controller = new AbortController();
        controller.abort(new Error('shutdown'));
        const { observed, problems } = await runAgainst(probe, peer, { timeoutMs: 800, parent: controller.signal });
        if (observed.facts !== undefined && observed.facts.reason !== 'aborted') {
          problems.push(`ignored the abort: reported "${observed.facts.reason}" for a run interrupted before it started`);
        }
        // A connection or datagram sent before it resolved shows here within a turn or two; the
        // pause only lets a late one arrive (it can hide nothing that was sent earlier).
        await new Promise((resolve) => setTimeout(resolve, 50));
        const contacted = 'connections' in peer ? peer.connections.length : peer.datagramsReceived;
        if (contacted > 0) problems.push('ignored the abort: contacted the peer although the run was already interrupted');
        return problems;
      }),
  },
  {
    title: 'stops and reports "aborted" when the run is interrupted mid-probe',
    transports: ['tcp', 'udp', 'icmp'],
    check: (probe) =>
      withPeer(probe, 'silent', 'silent', async (peer) => {
        const controller = new AbortController();
        // Interrupt once the probe waits on the peer: a moment after the peer accepted it (or got
        // its datagram), so that the probe is past its connect. Whenever the interruption lands,
        // the probe must stop; the moment only picks the phase tested. ICMP has no peer here.
        const talking = probe.transport === 'icmp' ? Promise.resolve() : peer.firstContact;
        const fallback = new Promise((resolve) => setTimeout(resolve, GRACE_MS).unref());
        void Promise.race([talking, fallback]).then(() => setTimeout(() => controller.abort(new Error('shutdown')), 50));
        const { observed, problems } = await runAgainst(probe, peer, { timeoutMs: UNREACHED_TIMEOUT_MS, parent: controller.signal });
        const facts = observed.facts;
        // A probe with nothing to wait for (a connect-only probe, ICMP on loopback) may be done first.
        if (facts !== undefined && facts.reason !== 'aborted' && observed.signalledFirst) {
          problems.push(`ignored the abort: reported "${facts.reason}" for a run interrupted mid-probe, not "aborted"`);
        }
        return problems;
      }),
  },
];

export function scenariosFor(probe: ProbeDefinition<unknown>): Scenario[] {
  return SCENARIOS.filter((scenario) => scenario.transports.includes(probe.transport));
}

/** Every scenario's problems for one probe, each prefixed by its scenario (for the fixture tests). */
export async function conformanceProblems(probe: ProbeDefinition<unknown>): Promise<string[]> {
  await probe.prepare?.();
  const all = await Promise.all(
    scenariosFor(probe).map(async (scenario) => (await scenario.check(probe)).map((problem) => `${scenario.title}: ${problem}`)),
  );
  return all.flat();
}
