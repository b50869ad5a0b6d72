import { startLab } from '../src/lab/index.js';

/**
 * The full suite's simulated network (a child process inside the benchmark's namespace): the
 * lab (src/lab) with N network elements of every type, each with its type's Table 3 ports
 * (NETCONF with login, CLI over SSH or telnet, TL1, SNMP), no faults, on the vendor's real ports
 * (the namespace is the benchmark's own, so binding below 1024 is harmless).
 *
 *   node dist/bench/lab-peers.js ELEMENTS DIR [BASE] [real-ports|moved-ports]
 * Writes DIR/inventory.yaml and its secrets, prints `ready DIR/inventory.yaml`, runs until SIGTERM.
 * Without root (no namespace) the lab keeps its default moved ports (+20000).
 */
const elements = Number(process.argv[2] ?? 100);
const dir = process.argv[3] ?? '.';
const base = process.argv[4] ?? '127.77';
const realPorts = process.argv[5] !== 'moved-ports';
const lab = await startLab({ elements, faults: false, realPorts, base });
const inventory = await lab.writeInventory(dir);
process.on('SIGTERM', () => {
  void lab.close().finally(() => process.exit(0));
});
process.stdout.write(`ready ${inventory}\n`);
