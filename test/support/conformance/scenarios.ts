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
 * The flood scenario's deadline. A probe that keeps to its budget is done within milliseconds of
 * the flood's start; one that reads on is still at it when this fires. Three seconds is room for
 * a machine stalled far longer than any probe needs to read a few kilobytes.
 */
const FLOOD_TIMEOUT_MS = 3000;

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
  floodLimit?: number,
): Promise<string[]> {
  const peer = probe.transport === 'udp' ? await peers.watchedUdpPeer(udp) : await peers.watchedTcpPeer(tcp, floodLimit);
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
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(peer.connections.map((c) => c.whenEnded)),
      new Promise((resolve) => (bound = setTimeout(resolve, LEAK_BOUND_MS))),
    ]);
    clearTimeout(bound);
    const open = peer.connections.filter((c) => !c.ended).length;
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

/** Probes of an application protocol (not a bare transport check): garbage is no answer to them. */
const isAppProbe = (probe: ProbeDefinition<unknown>): boolean => !['tcp', 'udp', 'icmp'].includes(probe.kind);

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
        // TCP: the peer closes after 200 ms, so the deadline is only a backstop, and a long one
        // leaves a loaded machine room to read the garbage. UDP probes skip invalid datagrams
        // until the deadline, so theirs is what this scenario costs.
        const { observed, problems } = await runAgainst(probe, peer, { timeoutMs: probe.transport === 'udp' ? 500 : 2000 });
        if (isAppProbe(probe) && observed.facts?.reason === 'connected') problems.push('called garbage a working service ("connected")');
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
    async check(probe) {
      // What an honest probe can be handed: its budget plus what waits in the kernel's buffers.
      const bound = FLOOD_MAX_BYTES + 2 * (await peers.loopbackBuffering());
      const check = async (peer: Peer): Promise<string[]> => {
        const { observed, problems } = await runAgainst(probe, peer, { timeoutMs: FLOOD_TIMEOUT_MS, maxBytes: FLOOD_MAX_BYTES });
        if (observed.stillRunning) return problems;
        const facts = observed.facts;
        if (observed.signalledFirst) {
          problems.push(`read past its byte budget: still reading the flood when its ${FLOOD_TIMEOUT_MS} ms deadline fired, with a budget of ${FLOOD_MAX_BYTES}`);
        }
        if (facts?.bytesRead !== undefined && facts.bytesRead > FLOOD_MAX_BYTES) {
          problems.push(`read past its byte budget: reports bytesRead ${facts.bytesRead} > ${FLOOD_MAX_BYTES}`);
        }
        if ('connections' in peer) {
          // The peer's count, whatever the probe says about itself.
          const sent = peer.connections.reduce((sum, c) => sum + c.bytesSent, 0);
          if (sent > bound) problems.push(`read past its byte budget: the peer handed it ${sent} bytes, more than the budget plus the kernel's buffers (${bound})`);
        } else if (facts !== undefined && facts.bytesRead === undefined) {
          // A UDP peer cannot see what the probe read (the kernel queues datagrams whether it
          // reads them or not): the probe must say.
          problems.push(`reported no bytesRead after ${peers.FLOOD_DATAGRAMS * peers.FLOOD_DATAGRAM_BYTES} bytes of datagrams`);
        }
        return problems;
      };
      return withPeer(probe, 'flood', 'flood', check, bound);
    },
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
