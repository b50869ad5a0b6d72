import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { TransportState } from '../src/core/model.js';

/**
 * nmap's connect scan (-sT, Debian's nmap) on the same targets, ports and timeout as psm-netcheck,
 * for the side-by-side figures. Two settings:
 * - fixed: no retries, every probe gets the full timeout, as much parallelism as nmap allows
 *   (its select() loop caps near 1,014 sockets): the fastest nmap gets to the same answers here;
 * - adaptive: -T4 with one retry and the timeout as the maximum RTT, what people usually run.
 */
export type NmapMode = 'fixed' | 'adaptive';

export function nmapVersion(): string | undefined {
  try {
    const text = execFileSync('nmap', ['--version'], { encoding: 'utf8' });
    return /Nmap version (\S+)/.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

export function nmapArgs(mode: NmapMode, hostsFile: string, ports: readonly number[], timeoutMs: number, outFile: string): string[] {
  const common = ['-sT', '-Pn', '-n', '--disable-arp-ping', '-p', ports.join(','), '-iL', hostsFile, '-oG', outFile];
  if (mode === 'adaptive') return [...common, '-T4', '--max-retries', '1', '--max-rtt-timeout', `${timeoutMs}ms`];
  const rtt = `${timeoutMs}ms`;
  return [
    ...common,
    '--max-retries', '0',
    '--initial-rtt-timeout', rtt,
    '--min-rtt-timeout', rtt,
    '--max-rtt-timeout', rtt,
    '--min-parallelism', '1024',
    '--max-parallelism', '1024',
    '--min-hostgroup', '4096',
  ];
}

export function writeHostsFile(path: string, addresses: readonly string[]): void {
  writeFileSync(path, `${addresses.join('\n')}\n`);
}

/** `address:port` -> state, from nmap's grepable output (ignored states filled in for unlisted ports). */
export function readGrepable(path: string, ports: readonly number[]): Map<string, TransportState | string> {
  const states = new Map<string, TransportState | string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const host = /^Host: (\S+)/.exec(line)?.[1];
    if (host === undefined || !line.includes('Ports:')) continue;
    const listed = new Set<number>();
    const portsPart = /Ports: ([^\t]*)/.exec(line)?.[1] ?? '';
    for (const entry of portsPart.split(', ')) {
      const [port, state] = entry.split('/');
      if (port === undefined || state === undefined) continue;
      listed.add(Number(port));
      states.set(`${host}:${port}`, state);
    }
    const ignored = /Ignored State: (\S+)/.exec(line)?.[1];
    if (ignored !== undefined) for (const port of ports) if (!listed.has(port)) states.set(`${host}:${port}`, ignored);
  }
  return states;
}
