import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, runOk, signalPid, spawnTracked } from './process.js';
import type { ProcessHandle, RunOptions, RunResult, SpawnOptions } from './process.js';

/**
 * An isolated lab of network namespaces: one bridge namespace and N host namespaces, each host
 * joined to the bridge by a veth pair, addressed from the documentation ranges, with no default
 * route, so nothing a test does can leave the lab. Needs root (see skip.ts `netns`).
 *
 * Every name carries a prefix unique to this process and lab (`nclab-<pid>-<random>-`), so
 * parallel vitest workers never collide; labs whose creating process is gone are removed by the
 * next lab created on the machine.
 *
 *   const lab = await createNetnsLab({ hosts: ['prober', 'ne1', 'srv'] });
 *   await lab.firewall('srv', { input: ['tcp dport 22 drop'] });
 *   const run = await lab.runNode('prober', 'dist/src/cli/main.js', ['check', ...]);
 *   await lab.destroy(); // in afterAll
 */

export const LAB_PREFIX = 'nclab-';
export const LAB_SUBNET4 = '198.51.100.0/24';
export const LAB_SUBNET6 = '2001:db8::/64';
/** An on-link address no host owns: ARP fails, so connects end in EHOSTUNREACH after ~3 s. */
export const LAB_UNASSIGNED4 = '198.51.100.250';
export const LAB_UNASSIGNED6 = '2001:db8::250';

/** Host i gets 198.51.100.(10+i) and 2001:db8::(10+i); the suffix reads the same in both families. */
const FIRST_HOST_OCTET = 10;
const HOST_NAME = /^[a-z][a-z0-9-]{0,14}$/;

export interface LabOptions {
  /** Host names, e.g. ['prober', 'ne1', 'srv']; lower-case letters, digits and '-'. */
  hosts: readonly string[];
  /** Extra sysctls for every host namespace, e.g. { 'net.ipv4.ping_group_range': '0 2147483647' }. */
  sysctls?: Readonly<Record<string, string>>;
}

export interface ExecOptions extends RunOptions {
  /** Run as this local user (via runuser) instead of root, e.g. to test an unprivileged prober. */
  user?: string;
}

/** Rules for the lab's own nftables table in one host; each string is one nft rule. */
export interface FirewallRules {
  input?: readonly string[];
  output?: readonly string[];
}

export interface NetnsLab {
  /** The prefix of every namespace name of this lab. */
  readonly prefix: string;
  readonly hosts: readonly string[];
  /** The namespace name of a host (for `ip netns exec` outside these helpers). */
  ns(host: string): string;
  /** The host's address: IPv4 by default, IPv6 with family 6. */
  addr(host: string, family?: 4 | 6): string;
  /** Runs a command inside the host's namespace; resolves with its exit code and output. */
  exec(host: string, command: string, args?: readonly string[], options?: ExecOptions): Promise<RunResult>;
  /** Like exec(), but a non-zero exit throws with the output. */
  execOk(host: string, command: string, args?: readonly string[], options?: ExecOptions): Promise<RunResult>;
  /** Starts a long-running command in the host's namespace; destroy() stops it if the test did not. */
  spawn(host: string, command: string, args?: readonly string[], options?: SpawnOptions): ProcessHandle;
  /**
   * Runs `node SCRIPT ARGS` inside the host's namespace, from the current directory (tests run
   * from the repo root, so `dist/src/cli/main.js` works). Resolves with exit code and output.
   */
  runNode(host: string, scriptPath: string, args?: readonly string[], options?: ExecOptions): Promise<RunResult>;
  /** Loads an nft ruleset text (`nft -f -`) in the host's namespace. */
  nft(host: string, rulesText: string): Promise<void>;
  /**
   * Replaces the lab's own table `inet netcheck_lab` in the host with these input/output rules
   * (policy accept); `firewall(host, {})` removes every rule again.
   */
  firewall(host: string, rules: FirewallRules): Promise<void>;
  /** True when something in the host listens on this port (from `ss`; sends no packet). */
  listening(host: string, protocol: 'tcp' | 'udp', port: number): Promise<boolean>;
  /** Gives the host its own /etc/resolv.conf (bind-mounted by `ip netns exec`). */
  setResolvConf(host: string, text: string): void;
  /** A new empty directory under the lab's temp root (removed by destroy()). */
  tempDir(label: string): string;
  /** Stops everything started in the lab and removes namespaces, files and temp dirs. Idempotent. */
  destroy(): Promise<void>;
}

interface LabState {
  prefix: string;
  namespaces: string[];
  tempRoot: string;
  handles: Set<ProcessHandle>;
  destroyed: boolean;
}

/**
 * Lab files live on tmpfs when there is one: MariaDB's data directory is written with fsync, and
 * on disk that alone took 6-9 s here instead of ~2 s.
 */
const TEMP_BASE = isWritableDir('/dev/shm') ? '/dev/shm' : tmpdir();

const liveLabs = new Set<LabState>();
let staleCleanupDone = false;
let exitHookInstalled = false;

export async function createNetnsLab(options: LabOptions): Promise<NetnsLab> {
  validateHosts(options.hosts);
  if (!staleCleanupDone) {
    staleCleanupDone = true;
    removeStaleLabs();
  }
  installExitHook();

  const prefix = `${LAB_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}-`;
  const bridgeNs = `${prefix}bridge`;
  const state: LabState = {
    prefix,
    namespaces: [],
    tempRoot: makeTraversableTempDir(join(TEMP_BASE, prefix)),
    handles: new Set(),
    destroyed: false,
  };
  liveLabs.add(state);

  const hostIndex = new Map(options.hosts.map((host, index) => [host, index]));
  const nsOf = (host: string): string => {
    if (!hostIndex.has(host)) throw new Error(`no host '${host}' in this lab (hosts: ${options.hosts.join(', ')})`);
    return `${prefix}${host}`;
  };
  const addrOf = (host: string, family: 4 | 6 = 4): string => {
    const index = hostIndex.get(host);
    if (index === undefined) throw new Error(`no host '${host}' in this lab`);
    const suffix = FIRST_HOST_OCTET + index;
    return family === 4 ? `198.51.100.${suffix}` : `2001:db8::${suffix}`;
  };

  try {
    await addNamespace(state, bridgeNs);
    await runOk('ip', ['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await runOk('ip', ['-n', bridgeNs, 'link', 'set', 'br0', 'up']);
    await runOk('ip', ['-n', bridgeNs, 'link', 'set', 'lo', 'up']);
    await Promise.all(
      options.hosts.map(async (host, index) => {
        const ns = nsOf(host);
        const port = `v${index}`;
        await addNamespace(state, ns);
        await runOk('ip', ['-n', bridgeNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
        await runOk('ip', ['-n', bridgeNs, 'link', 'set', port, 'master', 'br0', 'up']);
        await runOk('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        await runOk('ip', ['-n', ns, 'addr', 'add', `${addrOf(host, 4)}/24`, 'dev', 'eth0']);
        // nodad: the address is usable at once instead of after duplicate detection (~1-2 s).
        await runOk('ip', ['-n', ns, 'addr', 'add', `${addrOf(host, 6)}/64`, 'dev', 'eth0', 'nodad']);
        await runOk('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
        // Closed UDP ports must answer with ICMP every time, not once per second per destination.
        const sysctls = {
          'net.ipv4.icmp_ratelimit': '0',
          'net.ipv6.icmp.ratelimit': '0',
          ...options.sysctls,
        };
        await runOk('ip', [
          'netns', 'exec', ns, 'sysctl', '-q', '-w',
          ...Object.entries(sysctls).map(([key, value]) => `${key}=${value}`),
        ]);
      }),
    );
  } catch (error) {
    await destroyLab(state);
    throw error;
  }

  const withUser = (command: string, args: readonly string[], user: string | undefined): string[] =>
    user === undefined ? [command, ...args] : ['runuser', '-u', user, '--', command, ...args];

  const exec = (host: string, command: string, args: readonly string[] = [], opts: ExecOptions = {}): Promise<RunResult> =>
    run('ip', ['netns', 'exec', nsOf(host), ...withUser(command, args, opts.user)], opts);

  const execOk = (host: string, command: string, args: readonly string[] = [], opts: ExecOptions = {}): Promise<RunResult> =>
    runOk('ip', ['netns', 'exec', nsOf(host), ...withUser(command, args, opts.user)], opts);

  return {
    prefix,
    hosts: [...options.hosts],
    ns: nsOf,
    addr: addrOf,
    exec,
    execOk,
    spawn(host, command, args = [], opts = {}) {
      if (state.destroyed) throw new Error('lab already destroyed');
      const handle = spawnTracked('ip', ['netns', 'exec', nsOf(host), command, ...args], opts);
      state.handles.add(handle);
      return handle;
    },
    runNode(host, scriptPath, args = [], opts = {}) {
      return exec(host, process.execPath, [scriptPath, ...args], { cwd: process.cwd(), ...opts });
    },
    async nft(host, rulesText) {
      await execOk(host, 'nft', ['-f', '-'], { input: rulesText });
    },
    async firewall(host, rules) {
      const chain = (name: 'input' | 'output', lines: readonly string[] | undefined): string =>
        `  chain ${name} {\n    type filter hook ${name} priority 0; policy accept;\n` +
        (lines ?? []).map((line) => `    ${line}\n`).join('') +
        '  }\n';
      // Declaring the table first makes the delete valid whether or not it existed; the whole file is one transaction.
      const text =
        'table inet netcheck_lab\ndelete table inet netcheck_lab\n' +
        (rules.input === undefined && rules.output === undefined
          ? ''
          : `table inet netcheck_lab {\n${chain('input', rules.input)}${chain('output', rules.output)}}\n`);
      await execOk(host, 'nft', ['-f', '-'], { input: text });
    },
    async listening(host, protocol, port) {
      const result = await execOk(host, 'ss', ['-H', '-n', '-l', protocol === 'tcp' ? '-t' : '-u']);
      return result.stdout
        .split('\n')
        .map((line) => line.trim().split(/\s+/)[3] ?? '')
        .some((local) => local.endsWith(`:${port}`));
    },
    setResolvConf(host, text) {
      const dir = join('/etc/netns', nsOf(host));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'resolv.conf'), text);
    },
    tempDir(label) {
      return makeTraversableTempDir(join(state.tempRoot, `${label}-`));
    },
    destroy: () => destroyLab(state),
  };
}

/**
 * mkdtemp makes 0700 directories; daemons that drop privileges (and the lab user behind sshd's
 * NETCONF subsystem) must reach their sockets and configs inside, so the lab's dirs are 0755.
 */
function makeTraversableTempDir(prefix: string): string {
  const dir = mkdtempSync(prefix);
  chmodSync(dir, 0o755);
  return dir;
}

function validateHosts(hosts: readonly string[]): void {
  if (hosts.length === 0) throw new Error('a lab needs at least one host');
  if (hosts.length > 200) throw new Error('at most 200 hosts fit the lab subnet');
  const seen = new Set<string>();
  for (const host of hosts) {
    if (!HOST_NAME.test(host) || host === 'bridge') throw new Error(`bad lab host name '${host}'`);
    if (seen.has(host)) throw new Error(`duplicate lab host '${host}'`);
    seen.add(host);
  }
}

async function addNamespace(state: LabState, ns: string): Promise<void> {
  await runOk('ip', ['netns', 'add', ns]);
  state.namespaces.push(ns);
}

async function destroyLab(state: LabState): Promise<void> {
  if (state.destroyed) return;
  state.destroyed = true;
  await Promise.all([...state.handles].map((handle) => handle.stop(3_000)));
  for (const ns of state.namespaces) {
    // Children our daemons forked (a session per connection) are still in the namespace.
    const pids = await run('ip', ['netns', 'pids', ns]);
    for (const pid of parsePids(pids.stdout)) signalPid(pid, 'SIGKILL');
    await run('ip', ['netns', 'del', ns]);
    rmSync(join('/etc/netns', ns), { recursive: true, force: true });
  }
  if (process.env.NETCHECK_KEEP_LAB !== '1') rmSync(state.tempRoot, { recursive: true, force: true });
  liveLabs.delete(state);
}

/** Last resort when the worker exits without afterAll having run: synchronous, best effort. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const state of liveLabs) {
      for (const handle of state.handles) signalPid(handle.pid, 'SIGKILL');
      for (const ns of state.namespaces) removeNamespaceSync(ns);
      rmSync(state.tempRoot, { recursive: true, force: true });
    }
  });
}

function removeNamespaceSync(ns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const pid of parsePids(pids)) signalPid(pid, 'SIGKILL');
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // Already gone.
  }
  rmSync(join('/etc/netns', ns), { recursive: true, force: true });
}

function parsePids(text: string): number[] {
  return text
    .split('\n')
    .map((line) => Number.parseInt(line.trim(), 10))
    .filter((pid) => Number.isInteger(pid) && pid > 1 && pid !== process.pid);
}

/**
 * Removes namespaces and temp roots with our prefix whose creating process is gone (or whose PID
 * now belongs to a younger process). Those processes were started by this harness in an earlier run.
 */
export function removeStaleLabs(): void {
  let names: string[];
  try {
    names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name.startsWith(LAB_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    if (isStale(name, join('/run/netns', name))) removeNamespaceSync(name);
  }
  for (const entry of safeReaddir(TEMP_BASE)) {
    if (entry.startsWith(LAB_PREFIX) && isStale(entry, join(TEMP_BASE, entry))) {
      rmSync(join(TEMP_BASE, entry), { recursive: true, force: true });
    }
  }
}

function isStale(name: string, path: string): boolean {
  const pid = Number.parseInt(name.slice(LAB_PREFIX.length).split('-')[0] ?? '', 10);
  if (!Number.isInteger(pid)) return false;
  if (pid === process.pid) return false;
  const started = processStartMs(pid);
  if (started === undefined) return true;
  try {
    // A PID reused by a process younger than the lab is not the lab's creator.
    return started > statSync(path).mtimeMs + 1_000;
  } catch {
    return false;
  }
}

/** Start time of a process in ms since the epoch, from /proc (USER_HZ is 100 on Linux). */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]);
    const bootLine = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((line) => line.startsWith('btime '));
    const bootSeconds = Number(bootLine?.split(' ')[1]);
    return bootSeconds * 1000 + (startTicks / 100) * 1000;
  } catch {
    return undefined;
  }
}

function isWritableDir(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
