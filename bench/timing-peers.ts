import os from 'node:os';
import { listenTcp } from '../src/lab/listen.js';
import { startNtpServer } from '../src/lab/ntp-server.js';
import { timingAddress } from './timing-check.js';

/**
 * The benchmark's own timing peers (a child process, inside the benchmark's namespace): on each of
 * N addresses 127.99.0.x, an NTP server on this host's clock (offset 0) and a TCP port that
 * accepts and closes. The full suite probes them alone and again inside the full check, and
 * compares the connect times and NTP offsets psm-netcheck reports (bench/timing-check.ts).
 *
 *   node dist/bench/timing-peers.js N NTP_PORT TCP_PORT
 * Prints `ready`, runs until SIGTERM.
 */
/*
 * A real NTP server stamps a request's arrival in the kernel (chrony) or on a machine of its own;
 * these peers stamp it when their loop reads it, so on the benchmark's two busy cores a peer that
 * waited for a core would show its own wait as half of the offset psm-netcheck reports. As root
 * they run ahead of the lab's simulated elements and the prober, like a server elsewhere.
 */
try {
  os.setPriority(os.constants.priority.PRIORITY_HIGH);
} catch {
  // Not root: the peers share the cores like everything else, and the comparison says so less well.
}
const count = Number(process.argv[2] ?? 50);
const ntpPort = Number(process.argv[3] ?? 123);
const tcpPort = Number(process.argv[4] ?? 3083);
const handles = await Promise.all(
  Array.from({ length: count }, (_, i) => timingAddress(i)).flatMap((address) => [
    startNtpServer({ address, port: ntpPort, stratum: 2 }),
    listenTcp({ address, port: tcpPort }, (socket) => socket.destroy()),
  ]),
);
process.on('SIGTERM', () => {
  void Promise.all(handles.map((h) => h.close())).finally(() => process.exit(0));
});
process.stdout.write('ready\n');
