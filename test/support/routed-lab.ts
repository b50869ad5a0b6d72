import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_PREFIX, removeStaleLabs } from './netns.js';
import { run, runOk, signalPid, spawnTracked } from './process.js';
import type { ProcessHandle, RunOptions, RunResult, SpawnOptions } from './process.js';

/**
 * Hosts in zones, with a router between the zones: what a firewall between sites looks like.
 * netns.ts puts every host on one bridge (one subnet, nothing in between); here each zone is its
 * own subnet on a bridge inside the router's namespace, and traffic between zones is forwarded by
 * the router, whose firewall the test loads. Same rules as netns.ts: names carry the
 * `nclab-<pid>-<random>-` prefix (removeStaleLabs cleans up after a crashed run), documentation
 * ranges only, no default route anywhere.
 *
 * Zone i: 198.51.100.(64i)/26 and 2001:db8:(i+1)::/64; the router is .(64i+1) and ::1, host j of
 * the zone .(64i+10+j) and ::(10+j). Hosts route 198.51.100.0/24 and 2001:db8::/32 via the router.
 *
 * With `management: 'control'`, a management network as sites have one: a namespace `control`
 * (an Ansible controller, say) on its own link to every host and the router, 2001:db8:ff::/64
 * (control ::1, the router ::2, the hosts ::10 on in the zones' order), which the router does not
 * forward: what the management network carries never meets the firewall under test.
 *
 *   const lab = await createRoutedLab({ zones: [['server'], ['client'], ['ne']] });
 *   await lab.exec('router', 'nft', ['-f', file]);
 *   await lab.destroy();
 */
export interface RoutedLab {
  readonly prefix: string;
  /** Every host, `router` included. */
  ns(host: string): string;
  addr(host: string, family?: 4 | 6): string;
  exec(host: string, command: string, args?: readonly string[], options?: RunOptions): Promise<RunResult>;
  execOk(host: string, command: string, args?: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** A long-running command in the host's namespace; destroy() stops it if the test did not. */
  spawn(host: string, command: string, args?: readonly string[], options?: SpawnOptions): ProcessHandle;
  /** The host's (or the router's) address on the management network; throws without one. */
  mgmtAddr(host: string): string;
  /** True when something in the host listens on this port (from `ss`; sends no packet). */
  listening(host: string, protocol: 'tcp' | 'udp', port: number): Promise<boolean>;
  /** A new empty directory, removed by destroy(). */
  readonly dir: string;
  /** A new empty directory under `dir` (0755: daemons that drop privileges read their files in it). */
  tempDir(label: string): string;
  destroy(): Promise<void>;
}

const HOST_NAME = /^[a-z][a-z0-9-]{0,14}$/;
const MAX_ZONES = 4;
const MAX_HOSTS_PER_ZONE = 40;

export interface RoutedLabOptions {
  readonly zones: readonly (readonly string[])[];
  /** The name of a management host: a management network to every host and the router (above). */
  readonly management?: string;
}

export async function createRoutedLab(options: RoutedLabOptions): Promise<RoutedLab> {
  const { zones, management } = options;
  if (zones.length === 0 || zones.length > MAX_ZONES) throw new Error(`1 to ${MAX_ZONES} zones`);
  const places = new Map<string, { zone: number; index: number }>();
  zones.forEach((hosts, zone) => {
    if (hosts.length === 0 || hosts.length > MAX_HOSTS_PER_ZONE) throw new Error(`zone ${zone}: 1 to ${MAX_HOSTS_PER_ZONE} hosts`);
    hosts.forEach((host, index) => {
      if (!HOST_NAME.test(host) || host === 'router' || places.has(host)) throw new Error(`bad or duplicate host name '${host}'`);
      places.set(host, { zone, index });
    });
  });
  if (management !== undefined && (!HOST_NAME.test(management) || management === 'router' || places.has(management))) {
    throw new Error(`bad or duplicate management host name '${management}'`);
  }
  removeStaleLabs();

  const prefix = `${LAB_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}-`;
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const namespaces: string[] = [];
  const handles = new Set<ProcessHandle>();
  let destroyed = false;

  const ns = (host: string): string => {
    if (host !== 'router' && host !== management && !places.has(host)) throw new Error(`no host '${host}' in this lab`);
    return `${prefix}${host}`;
  };
  const routerAddr = (zone: number, family: 4 | 6): string => (family === 4 ? `198.51.100.${64 * zone + 1}` : `2001:db8:${zone + 1}::1`);
  const addr = (host: string, family: 4 | 6 = 4): string => {
    const place = places.get(host);
    if (place === undefined) throw new Error(`no host '${host}' in this lab`);
    return family === 4 ? `198.51.100.${64 * place.zone + 10 + place.index}` : `2001:db8:${place.zone + 1}::${10 + place.index}`;
  };

  const managed = ['router', ...places.keys()];
  const mgmtAddr = (host: string): string => {
    const index = managed.indexOf(host);
    if (management === undefined || index < 0) throw new Error(`no management address for '${host}'`);
    return index === 0 ? '2001:db8:ff::2' : `2001:db8:ff::${10 + index - 1}`;
  };

  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    destroyed = true;
    await Promise.all([...handles].map((handle) => handle.stop(3_000)));
    for (const name of namespaces) {
      const pids = await run('ip', ['netns', 'pids', name]);
      for (const pid of pids.stdout.split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid)) signalPid(pid, 'SIGKILL');
      await run('ip', ['netns', 'del', name]);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const router = ns('router');
    await runOk('ip', ['netns', 'add', router]);
    namespaces.push(router);
    await runOk('ip', ['-n', router, 'link', 'set', 'lo', 'up']);
    await runOk('ip', ['netns', 'exec', router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    for (const [zone, hosts] of zones.entries()) {
      const bridge = `br${zone}`;
      await runOk('ip', ['-n', router, 'link', 'add', bridge, 'type', 'bridge']);
      await runOk('ip', ['-n', router, 'addr', 'add', `${routerAddr(zone, 4)}/26`, 'dev', bridge]);
      await runOk('ip', ['-n', router, 'addr', 'add', `${routerAddr(zone, 6)}/64`, 'dev', bridge, 'nodad']);
      await runOk('ip', ['-n', router, 'link', 'set', bridge, 'up']);
      for (const host of hosts) {
        const name = ns(host);
        await runOk('ip', ['netns', 'add', name]);
        namespaces.push(name);
        const port = `v-${host}`.slice(0, 15);
        await runOk('ip', ['-n', router, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
        await runOk('ip', ['-n', router, 'link', 'set', port, 'master', bridge, 'up']);
        await runOk('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
        await runOk('ip', ['-n', name, 'addr', 'add', `${addr(host, 4)}/26`, 'dev', 'eth0']);
        await runOk('ip', ['-n', name, 'addr', 'add', `${addr(host, 6)}/64`, 'dev', 'eth0', 'nodad']);
        await runOk('ip', ['-n', name, 'link', 'set', 'eth0', 'up']);
        // The other zones through the router; nothing else is routed (no default route).
        await runOk('ip', ['-n', name, 'route', 'add', '198.51.100.0/24', 'via', routerAddr(zone, 4)]);
        await runOk('ip', ['-n', name, '-6', 'route', 'add', '2001:db8::/32', 'via', routerAddr(zone, 6)]);
        // Closed UDP ports answer every time, not once per second per destination.
        await runOk('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0', 'net.ipv6.icmp.ratelimit=0']);
      }
    }
    if (management !== undefined) {
      // A bridge in the management host's namespace, a veth to each managed namespace: on-link, unrouted.
      const control = ns(management);
      await runOk('ip', ['netns', 'add', control]);
      namespaces.push(control);
      await runOk('ip', ['-n', control, 'link', 'set', 'lo', 'up']);
      await runOk('ip', ['-n', control, 'link', 'add', 'brm', 'type', 'bridge']);
      await runOk('ip', ['-n', control, 'addr', 'add', '2001:db8:ff::1/64', 'dev', 'brm', 'nodad']);
      await runOk('ip', ['-n', control, 'link', 'set', 'brm', 'up']);
      for (const [index, host] of managed.entries()) {
        const port = `m${index}`;
        await runOk('ip', ['-n', control, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'mgmt0', 'netns', ns(host)]);
        await runOk('ip', ['-n', control, 'link', 'set', port, 'master', 'brm', 'up']);
        await runOk('ip', ['-n', ns(host), 'addr', 'add', `${mgmtAddr(host)}/64`, 'dev', 'mgmt0', 'nodad']);
        await runOk('ip', ['-n', ns(host), 'link', 'set', 'mgmt0', 'up']);
      }
    }
  } catch (error) {
    await destroy();
    throw error;
  }

  const exec = (host: string, command: string, args: readonly string[] = [], opts: RunOptions = {}): Promise<RunResult> =>
    run('ip', ['netns', 'exec', ns(host), command, ...args], opts);
  return {
    prefix,
    ns,
    addr,
    exec,
    execOk: (host, command, args = [], opts = {}) => runOk('ip', ['netns', 'exec', ns(host), command, ...args], opts),
    spawn(host, command, args = [], opts = {}) {
      if (destroyed) throw new Error('lab already destroyed');
      const handle = spawnTracked('ip', ['netns', 'exec', ns(host), command, ...args], opts);
      handles.add(handle);
      return handle;
    },
    mgmtAddr,
    async listening(host, protocol, port) {
      const result = await runOk('ip', ['netns', 'exec', ns(host), 'ss', '-H', '-n', '-l', protocol === 'tcp' ? '-t' : '-u']);
      return result.stdout
        .split('\n')
        .map((line) => line.trim().split(/\s+/)[3] ?? '')
        .some((local) => local.endsWith(`:${port}`));
    },
    dir,
    tempDir(label) {
      const made = mkdtempSync(join(dir, `${label}-`));
      chmodSync(made, 0o755);
      return made;
    },
    destroy,
  };
}
