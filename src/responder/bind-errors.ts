import { readFile } from 'node:fs/promises';
import { describeHolders, findPortHolders } from '../preflight/port-holders.js';

/** Why a port could not be opened, in words that say what to do. */
export async function explainBindError(code: string, transport: 'tcp' | 'udp', port: number, address: string): Promise<string> {
  switch (code) {
    case 'EACCES':
    case 'EPERM': {
      const start = await unprivilegedPortStart();
      return port < start
        ? `permission denied: ports below ${start} need root or CAP_NET_BIND_SERVICE (net.ipv4.ip_unprivileged_port_start = ${start})`
        : 'permission denied (a security module or seccomp policy refused the bind)';
    }
    case 'EADDRINUSE': {
      const holders = await findPortHolders([{ transport, port }]);
      const who = holders.length > 0 ? describeHolders(holders) : 'another socket';
      return `in use by ${who}: if that is the real service, probe this port without --via-responder`;
    }
    case 'EADDRNOTAVAIL':
      return `${address} is not an address of this machine`;
    case 'EAFNOSUPPORT':
      return `this machine has no IPv${address.includes(':') ? 6 : 4}`;
    default:
      return code;
  }
}

/** net.ipv4.ip_unprivileged_port_start (default 1024), per network namespace. */
async function unprivilegedPortStart(): Promise<number> {
  try {
    const value = Number((await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')).trim());
    return Number.isInteger(value) ? value : 1024;
  } catch {
    return 1024;
  }
}
