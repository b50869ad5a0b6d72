import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

/**
 * One network namespace of the benchmark's own: its loopback only (no other interface, no route
 * out), so every address the benchmark targets (127.0.0.0/8) lives inside it and nothing it sends
 * can reach another machine. The simulated elements, the prober and nmap all run inside.
 * The namespace is named after this process (`psmbench-<pid>`) and removed at exit, even on a crash.
 */
export interface BenchNamespace {
  readonly name: string;
  /** argv prefix that runs a command inside the namespace. */
  wrap(command: string, args: readonly string[]): [string, string[]];
  /** Replaces the benchmark's nftables table (one transaction). */
  nft(rules: string): void;
  destroy(): void;
}

const PREFIX = 'psmbench-';

/** Why the benchmark cannot make a namespace here, or undefined when it can. */
export function namespaceUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root: no network namespace and no nftables drop rule';
  for (const tool of ['ip', 'nft']) {
    try {
      execFileSync(tool, ['-V'], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}

export function createNamespace(): BenchNamespace {
  removeStale();
  const name = `${PREFIX}${process.pid}`;
  execFileSync('ip', ['netns', 'add', name]);
  let destroyed = false;
  const destroy = (): void => {
    if (destroyed) return;
    destroyed = true;
    try {
      const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' });
      for (const pid of pids.split('\n').map(Number).filter((p) => p > 1 && p !== process.pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  };
  process.once('exit', destroy);
  try {
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    // Thousands of connects to one listener at once: the accept queue must hold them, or SYNs
    // are dropped and retried a second later, which would look like filtering.
    execFileSync('ip', [
      'netns', 'exec', name, 'sysctl', '-q', '-w',
      'net.core.somaxconn=65535',
      'net.ipv4.tcp_max_syn_backlog=65535',
      // Closed UDP ports answer with ICMP every time, not once per second per destination.
      'net.ipv4.icmp_ratelimit=0',
      'net.ipv4.ping_group_range=0 2147483647',
    ]);
  } catch (error) {
    destroy();
    throw error;
  }
  return {
    name,
    wrap: (command, args) => ['ip', ['netns', 'exec', name, command, ...args]],
    nft(rules) {
      // Declaring the table first makes the delete valid whether or not it existed.
      const text = `table inet psmbench\ndelete table inet psmbench\n${rules}`;
      execFileSync('ip', ['netns', 'exec', name, 'nft', '-f', '-'], { input: text });
    },
    destroy,
  };
}

/** Namespaces of earlier benchmark runs whose process is gone. */
function removeStale(): void {
  let names: string[] = [];
  try {
    names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(PREFIX.length));
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) {
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      } catch {
        // someone else removed it
      }
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A long-running child (the simulated elements) that says `ready ...` on its first stdout line. */
export interface Daemon {
  readonly child: ChildProcess;
  /** The rest of the `ready` line. */
  readonly ready: string;
  stop(): Promise<void>;
}

export function startDaemon(argv: [string, string[]], timeoutMs: number): Promise<Daemon> {
  const child = spawn(argv[0], argv[1], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${argv[1].join(' ')}: not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const line = /^ready ?(.*)$/m.exec(text);
      if (line !== null) {
        clearTimeout(timer);
        resolve({ child, ready: line[1] ?? '', stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${argv[1].join(' ')} exited (${String(code)}) before it was ready:\n${text}`));
    });
  });
}
