import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';

/**
 * Local sockets from /proc/net/{tcp,tcp6,udp,udp6}: what listens on which port, without ss or
 * netstat. These files list the sockets of the current network namespace, of every user.
 */

export interface LocalSocket {
  readonly transport: 'tcp' | 'udp';
  readonly address: string;
  readonly port: number;
  /** Owner uid, as the kernel lists it. */
  readonly uid: number;
  /** Socket inode; /proc/PID/fd links to "socket:[inode]" lead to the owning process. */
  readonly inode: number;
}

const TCP_LISTEN = 0x0a;

/**
 * The sockets that hold a port: TCP in LISTEN, and every bound UDP socket (UDP has no listen
 * state; a bound socket takes its port whatever it is used for).
 */
export function parseProcNet(text: string, transport: 'tcp' | 'udp', littleEndian = endianness() === 'LE'): LocalSocket[] {
  const sockets: LocalSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [local = '', , state = ''] = fields.slice(1, 4);
    const [hexAddress = '', hexPort = ''] = local.split(':');
    const stateCode = Number.parseInt(state, 16);
    if (transport === 'tcp' && stateCode !== TCP_LISTEN) continue;
    const address = decodeAddress(hexAddress, littleEndian);
    const port = Number.parseInt(hexPort, 16);
    const uid = Number(fields[7]);
    const inode = Number(fields[9]);
    if (address === undefined || !Number.isInteger(port) || !Number.isInteger(inode)) continue;
    sockets.push({ transport, address, port, uid, inode });
  }
  return sockets;
}

/**
 * The kernel prints each 32-bit word of the address in host byte order: on a little-endian
 * machine 127.0.0.1 reads "0100007F". IPv4-mapped IPv6 addresses come back as IPv4.
 */
export function decodeAddress(hex: string, littleEndian = true): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const bytes = Buffer.from(hex, 'hex');
  if (littleEndian) {
    for (let word = 0; word < bytes.length; word += 4) bytes.subarray(word, word + 4).reverse();
  }
  if (bytes.length === 4) return [...bytes].join('.');
  const isMapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return [...bytes.subarray(12)].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return compressIpv6(groups);
}

/** RFC 5952 text: the longest run of two or more zero groups becomes "::". */
function compressIpv6(groups: readonly string[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < groups.length; ) {
    if (groups[start] !== '0') {
      start++;
      continue;
    }
    let end = start;
    while (end < groups.length && groups[end] === '0') end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  if (bestLength < 2) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

const FILES = [
  ['tcp', '/proc/net/tcp'],
  ['tcp', '/proc/net/tcp6'],
  ['udp', '/proc/net/udp'],
  ['udp', '/proc/net/udp6'],
] as const;

/** Every listening TCP socket and bound UDP socket of this network namespace. A missing file (no IPv6) is skipped. */
export async function readLocalSockets(procRoot = '/proc'): Promise<LocalSocket[]> {
  const lists = await Promise.all(
    FILES.map(async ([transport, path]) => {
      try {
        return parseProcNet(await readFile(path.replace('/proc', procRoot), 'utf8'), transport);
      } catch {
        return [];
      }
    }),
  );
  return lists.flat();
}
