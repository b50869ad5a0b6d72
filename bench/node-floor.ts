import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * The floor: the least a Node process can do for the TCP sweep on this machine. The same system
 * calls as the tcp probe (libuv's TCP handle: connect, then FIN, drain and close on the peer's FIN
 * or after 250 ms), the same concurrency and timeout, and nothing else: no inventory, no plan,
 * no deadline objects, no results, no report. The gap between psm-netcheck's probing phase and
 * this is what psm-netcheck itself costs; the rest is Node, the kernel and the simulated peers.
 *
 *   node dist/bench/node-floor.js HOSTS_FILE PORTS TIMEOUT_MS CONCURRENCY STATES_OUT
 * Prints one JSON line: wall (from process start), probing wall, CPU; writes `address:port state`
 * lines to STATES_OUT.
 */
interface Handle {
  connect(req: Req, address: string, port: number): number;
  shutdown(req: Req): number;
  readStart(): number;
  close(): void;
  onread: () => void;
}
interface Req {
  oncomplete: (status: number) => void;
}
interface Bindings {
  TCP: new (type: number) => Handle;
  TCPConnectWrap: new () => Req;
  constants: { SOCKET: number };
}

const [hostsFile = '', portList = '', timeoutText = '2000', concurrencyText = '4096', statesOut = ''] = process.argv.slice(2);
const binding = (process as unknown as { binding: (name: string) => unknown }).binding;
const { TCP, TCPConnectWrap, constants } = binding('tcp_wrap') as Bindings;
const { ShutdownWrap } = binding('stream_wrap') as { ShutdownWrap: new () => Req };

const addresses = readFileSync(hostsFile, 'utf8').split('\n').filter(Boolean);
const ports = portList.split(',').map(Number);
// Port-major, as psm-netcheck's scheduler takes hosts in turn: one port of every host, then the next.
const targets = ports.flatMap((port) => addresses.map((address) => [address, port] as const));
const timeoutMs = Number(timeoutText);
const concurrency = Number(concurrencyText);
const states: string[] = new Array<string>(targets.length);
const GRACE_MS = 250;
const ignore = (): void => undefined;

let next = 0;
let active = 0;
let done = 0;
const started = performance.now();
const cpuAtStart = process.cpuUsage();

function startMore(): void {
  while (active < concurrency && next < targets.length) {
    active++;
    probe(next++);
  }
}

function probe(index: number): void {
  const [address, port] = targets[index] as readonly [string, number];
  const handle = new TCP(constants.SOCKET);
  const req = new TCPConnectWrap();
  let settled = false;
  const settle = (state: string): void => {
    settled = true;
    states[index] = `${address}:${port} ${state}`;
    active--;
    if (++done === targets.length) finish();
    else setImmediate(startMore);
  };
  const timer = setTimeout(() => {
    if (settled) return;
    handle.close();
    settle('filtered');
  }, timeoutMs);
  req.oncomplete = (status) => {
    if (settled) return;
    clearTimeout(timer);
    if (status !== 0) {
      handle.close();
      settle('closed');
      return;
    }
    const shutdown = new ShutdownWrap();
    shutdown.oncomplete = ignore;
    handle.onread = ignore;
    handle.shutdown(shutdown);
    handle.readStart();
    setTimeout(() => handle.close(), GRACE_MS);
    settle('open');
  };
  if (handle.connect(req, address, port) !== 0) {
    clearTimeout(timer);
    handle.close();
    settle('error');
  }
}

function finish(): void {
  const cpu = process.cpuUsage(cpuAtStart);
  writeFileSync(statesOut, `${states.join('\n')}\n`);
  process.stdout.write(`${JSON.stringify({ wallMs: performance.now(), probingMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000 })}\n`);
  process.exit(0);
}

startMore();
