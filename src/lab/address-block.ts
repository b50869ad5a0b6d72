import dgram from 'node:dgram';
import net from 'node:net';
import { errorCode } from '../core/errno.js';

/**
 * Which 127.N.0.0/16 block a lab takes. Two labs on one machine (two demos, a demo while a `lab`
 * runs, the tests) must not share one: their listeners would collide with EADDRINUSE. A lab first
 * claims its block, then binds; a block whose claim is held, or where some port is taken by
 * another program, is skipped for the next one.
 *
 * The claim is an abstract Unix socket named after the block (Linux, unix(7); Node >= 20.8 binds
 * it by a path starting with NUL): binding it is atomic, so two labs starting at the same moment
 * cannot both win, and the kernel frees it when its process ends however it ends, so a crash
 * leaves no stale claim. Abstract sockets belong to the network namespace, like the loopback
 * addresses they guard.
 */

/** The blocks tried, in order: 127.77 first (the documented one), then up to 127.254. */
export function candidateBlocks(): string[] {
  const blocks: string[] = [];
  for (let second = 77; second <= 254; second++) blocks.push(`127.${second}`);
  return blocks;
}

export interface BlockClaim {
  readonly base: string;
  release(): Promise<void>;
}

/**
 * Claims `base` for this process; undefined when another lab holds it. Where abstract sockets
 * are not available (not Linux, or a Node 20 release before 20.8), nothing is claimed and the lab
 * relies on its binds alone, which still fail cleanly on a collision.
 */
export async function claimBlock(base: string): Promise<BlockClaim | undefined> {
  const server = net.createServer();
  const outcome = await new Promise<'claimed' | 'taken' | 'unsupported'>((resolve) => {
    server.once('error', (error) => resolve(errorCode(error) === 'EADDRINUSE' ? 'taken' : 'unsupported'));
    server.listen({ path: `\0psm-netcheck-lab/${base}` }, () => resolve('claimed'));
  });
  if (outcome === 'taken') return undefined;
  if (outcome === 'unsupported') return { base, release: () => Promise.resolve() };
  // Nobody connects to a claim; it must not keep the process alive on its own either.
  server.unref();
  server.on('connection', (socket) => socket.destroy());
  return { base, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** An address and port the lab could not bind because something else holds it. */
export interface PortInUse {
  readonly address: string;
  readonly port: number;
  readonly transport: 'tcp' | 'udp';
}

/** The lab could not bind its block: these ports are held by another program. */
export class BlockInUseError extends Error {
  constructor(
    readonly base: string,
    readonly ports: readonly PortInUse[],
  ) {
    super(`lab: ${ports.map(describePort).join(', ')} in use (block ${base}.0.0/16)`);
    this.name = 'BlockInUseError';
  }
}

export function describePort(port: PortInUse): string {
  return `${port.transport} port ${port.port} on ${port.address}`;
}

/** The EADDRINUSE behind a failed start (its cause chain included), with where Node says it was. */
export function addressInUse(error: unknown, where: PortInUse): PortInUse | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (errorCode(current) === 'EADDRINUSE') {
      const detail = current as { address?: unknown; port?: unknown };
      return {
        address: typeof detail.address === 'string' ? detail.address : where.address,
        port: typeof detail.port === 'number' ? detail.port : where.port,
        transport: where.transport,
      };
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/**
 * Whether `held` is taken on every address (a program listening on 0.0.0.0 or ::), not just on
 * the lab's: binds the same port on an address of the block that no lab ever uses (third octet
 * 255: elements stop at 127.N.254.x). Then no other block will do either.
 */
export async function heldOnEveryAddress(held: PortInUse, base: string): Promise<boolean> {
  const address = `${base}.255.254`;
  const outcome = await new Promise<unknown>((resolve) => {
    if (held.transport === 'tcp') {
      const server = net.createServer();
      server.once('error', resolve);
      server.listen({ host: address, port: held.port, exclusive: true }, () => server.close(() => resolve(undefined)));
    } else {
      const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
      socket.once('error', (error) => {
        socket.close();
        resolve(error);
      });
      socket.bind({ address, port: held.port, exclusive: true }, () => socket.close(() => resolve(undefined)));
    }
  });
  return errorCode(outcome) === 'EADDRINUSE';
}
