import dgram from 'node:dgram';
import net from 'node:net';
import type { Secret } from '../core/secret.js';
import type { Host, Inventory } from '../inventory/types.js';
import type { ListeningPort } from '../planner/listening-ports.js';
import { MAX_LINE, normalizeAddress } from '../../probes/protocols/responder/protocol.js';
import { explainBindError } from './bind-errors.js';
import { ConnectionBudget, type ConnectionLimits } from './connection-budget.js';
import { decide, PeerBook, ReplayGuard, type DecideContext, type ResponderEvent } from './decide.js';

export interface ResponderConfig {
  readonly inventory: Inventory;
  readonly host: Host;
  readonly token: Secret;
  /** The ports to serve (src/planner/listening-ports.ts `responderPorts`). */
  readonly ports: readonly ListeningPort[];
  /** Addresses to bind (see bindAddresses). */
  readonly addresses: readonly string[];
  readonly onEvent?: (event: ResponderEvent) => void;
  /** TCP connections open at once, per source and in all; more are closed at once (./connection-budget.ts). */
  readonly connectionLimits?: ConnectionLimits;
  /** How long a TCP peer of the inventory has to send its request. Default 5 s. */
  readonly requestTimeoutMs?: number;
  /** The same for a peer outside the inventory (NAT, or a stranger). Default 1 s. */
  readonly outsideRequestTimeoutMs?: number;
}

/** One socket the responder tried to open. */
export type SocketOutcome = {
  readonly transport: 'tcp' | 'udp';
  readonly port: number;
  readonly address: string;
  readonly rows: readonly string[];
} & ({ readonly ok: true } | { readonly ok: false; readonly code: string; readonly why: string });

export interface RunningResponder {
  readonly sockets: readonly SocketOutcome[];
  close(): Promise<void>;
}

/**
 * The addresses to listen on: the host's inventory addresses that this machine has, so that
 * UDP answers leave from the address the peer sent to. When it has none of them (the inventory
 * names the host by DNS, or by an address a NAT in front of it owns), every address.
 */
export function bindAddresses(host: Host, machine: readonly string[]): { addresses: string[]; wildcard: boolean } {
  const mine = new Set(machine.map(normalizeAddress));
  const addresses = host.addresses.filter((a) => net.isIP(a) !== 0 && mine.has(normalizeAddress(a)));
  return addresses.length > 0 ? { addresses, wildcard: false } : { addresses: ['0.0.0.0', '::'], wildcard: true };
}

/**
 * `psm-netcheck respond`: listens on every given port and address (TCP accept, UDP answer) and
 * answers the signed requests of the responder probes (docs/responder.md). A port that cannot be
 * opened is reported with why; the others still serve.
 */
export async function startResponder(config: ResponderConfig): Promise<RunningResponder> {
  const context: DecideContext = {
    token: config.token,
    name: config.host.name,
    peers: new PeerBook(config.inventory),
    replay: new ReplayGuard(),
  };
  const emit = (event: ResponderEvent): void => config.onEvent?.(event);
  const closers: (() => Promise<void>)[] = [];
  const connections = new Set<net.Socket>();
  const limits: TcpLimits = {
    budget: new ConnectionBudget(config.connectionLimits),
    requestTimeoutMs: config.requestTimeoutMs ?? 5_000,
    outsideRequestTimeoutMs: config.outsideRequestTimeoutMs ?? 1_000,
  };

  const outcomes = await Promise.all(
    config.ports.flatMap((entry) =>
      config.addresses.map(async (address): Promise<SocketOutcome> => {
        const where = { transport: entry.transport, port: entry.port, address, rows: entry.rows };
        try {
          const opened =
            entry.transport === 'tcp'
              ? await listenTcp(address, entry.port, (socket) => serveTcp(socket, context, emit, connections, limits))
              : await bindUdp(address, entry.port, (socket, data, remote) => serveUdp(socket, data, remote, context, emit));
          closers.push(opened.close);
          // Port 0 (tests) binds any free port: report the one the kernel chose.
          return { ...where, port: opened.port, ok: true };
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
          return { ...where, ok: false, code, why: await explainBindError(code, entry.transport, entry.port, address) };
        }
      }),
    ),
  );

  return {
    sockets: outcomes,
    async close() {
      for (const socket of connections) socket.destroy();
      await Promise.all(closers.map((close) => close()));
    },
  };
}

interface Opened {
  readonly port: number;
  close(): Promise<void>;
}

function listenTcp(address: string, port: number, onConnection: (socket: net.Socket) => void): Promise<Opened> {
  const server = net.createServer(onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // ipv6Only: "::" and "0.0.0.0" are opened as two sockets, each reported on its own.
    server.listen({ host: address, port, exclusive: true, ipv6Only: net.isIPv6(address) }, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

function bindUdp(
  address: string,
  port: number,
  onMessage: (socket: dgram.Socket, data: Buffer, remote: dgram.RemoteInfo) => void,
): Promise<Opened> {
  const socket = dgram.createSocket({ type: net.isIPv6(address) ? 'udp6' : 'udp4', ipv6Only: net.isIPv6(address) });
  socket.on('message', (data, remote) => onMessage(socket, data, remote));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', reject);
      // A send to a peer whose port closed meanwhile must not stop the responder.
      socket.on('error', () => undefined);
      resolve({ port: socket.address().port, close: () => new Promise<void>((done) => socket.close(() => done())) });
    });
  });
}

interface TcpLimits {
  readonly budget: ConnectionBudget;
  readonly requestTimeoutMs: number;
  readonly outsideRequestTimeoutMs: number;
}

/** Reads one request line (at most MAX_LINE bytes, within the timeout), answers or closes. */
function serveTcp(
  socket: net.Socket,
  context: DecideContext,
  emit: (event: ResponderEvent) => void,
  connections: Set<net.Socket>,
  limits: TcpLimits,
): void {
  socket.on('error', () => undefined);
  const source = normalizeAddress(socket.remoteAddress ?? '');
  const inInventory = context.peers.isInventoryAddress(source);
  const release = limits.budget.admit(source, inInventory);
  if (release === undefined) {
    socket.destroy();
    return;
  }
  connections.add(socket);
  socket.once('close', () => {
    connections.delete(socket);
    release();
  });
  // An idle connection holds a slot only this long.
  socket.setTimeout(inInventory ? limits.requestTimeoutMs : limits.outsideRequestTimeoutMs, () => socket.destroy());
  let buffered = Buffer.alloc(0);
  let done = false;
  const finish = (request: Buffer): void => {
    if (done) return;
    done = true;
    socket.removeAllListeners('data');
    socket.pause();
    const local = { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    const peer = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const { reply, event } = decide(request, 'tcp', local, peer, context);
    emit(event);
    // No reply: a FIN without a byte, the same for every peer the responder does not answer.
    if (reply === undefined) socket.end();
    else socket.end(reply);
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const newline = buffered.indexOf(0x0a);
    if (newline >= 0 && newline < MAX_LINE) finish(buffered.subarray(0, newline + 1));
    else if (buffered.length > MAX_LINE) finish(buffered.subarray(0, MAX_LINE + 1));
  });
  socket.on('end', () => finish(buffered));
}

function serveUdp(
  socket: dgram.Socket,
  data: Buffer,
  remote: dgram.RemoteInfo,
  context: DecideContext,
  emit: (event: ResponderEvent) => void,
): void {
  if (data.length > MAX_LINE) return;
  const bound = socket.address();
  const { reply, event } = decide(
    data,
    'udp',
    { address: bound.address, port: bound.port },
    { address: remote.address, port: remote.port },
    context,
  );
  emit(event);
  if (reply !== undefined) socket.send(reply, remote.port, remote.address);
}
