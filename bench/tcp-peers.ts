import net from 'node:net';
import { fleetAddress } from './fleet.js';

/**
 * The TCP sweep's simulated elements (a child process): the banner ports greet like an SSH
 * server and wait for the client to close, and the close-at-once port accepts and closes.
 * Nothing listens on the closed ports. Inside the benchmark's namespace one wildcard listener per
 * port serves every loopback address at once (5,000 hosts cost four sockets); on the host (no
 * root) each fleet address gets its own listeners instead, so nothing listens beyond loopback.
 *
 *   node dist/bench/tcp-peers.js BANNER_PORTS CLOSE_PORTS [HOSTS]    e.g. 22,2022,2024 3083
 * Prints `ready` once every port listens; exits on SIGTERM.
 */
const BANNER = Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
/** The kernel caps this at net.core.somaxconn, which the benchmark raises in its namespace. */
const BACKLOG = 65_535;

const ports = (text: string | undefined): number[] => (text ?? '').split(',').filter(Boolean).map(Number);
const banner = ports(process.argv[2]);
const closeAtOnce = ports(process.argv[3]);
const hosts = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const addresses = hosts === undefined ? ['0.0.0.0'] : Array.from({ length: hosts }, (_, i) => fleetAddress(i));

function listen(port: number, onConnection: (socket: net.Socket) => void): Promise<net.Server[]> {
  return Promise.all(addresses.map((host) => listenOn(host, port, onConnection)));
}

function listenOn(host: string, port: number, onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: BACKLOG, exclusive: true }, () => resolve(server));
  });
}

const servers = (await Promise.all([
  ...banner.map((port) =>
    // The client's FIN ends our side too (allowHalfOpen is off): an orderly close both ways.
    listen(port, (socket) => socket.write(BANNER)),
  ),
  ...closeAtOnce.map((port) => listen(port, (socket) => socket.end())),
])).flat();
process.on('SIGTERM', () => {
  for (const server of servers) server.close();
  process.exit(0);
});
process.stdout.write('ready\n');
