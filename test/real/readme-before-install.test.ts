import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/types.js';
import { CLI } from '../support/cli.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { run, signalPid, type RunResult } from '../support/process.js';
import { sectionBlock } from '../support/readme.js';
import { missing, netns, titleWith } from '../support/skip.js';

/**
 * The README's "Before install" block, run as written by bash, each line on the host its comment
 * names: "on psm1" in psm1's namespace, "on each client" in every client's (operator-ws). What
 * the test sets up, and only that:
 * - two namespaces of a lab (198.51.100.0/24 and 2001:db8::/64, no default route), `psm1` and
 *   `operator-ws`, nothing installed in either;
 * - `psm-netcheck` on PATH is a two-line shim to this checkout's build;
 * - each host's working directory has the same `inventory.yaml`: the two hosts with their lab
 *   addresses and the responder token read from PSM_NETCHECK_TOKEN (as docs/responder.md shows),
 *   default timeouts: nothing is dropped, so every probe ends at its answer or reset (~2 s for
 *   the whole block here; 2 s timeouts without retries measured the same);
 * - PSM_NETCHECK_TOKEN, the same on both sides, in the environment.
 * The line ending in `&` runs in the background as bash runs it: in a process group of its own,
 * which the test ends once the client's line is done.
 */
const why = missing(netns);

const TOKEN = 'readme-before-install-token';
/** How a line's comment names its host: `# on psm1: ...`, or `# on each client`. */
const ON_HOST = /#\s*on (each client|[a-z][a-z0-9-]*)\b/;
const CLIENTS = ['operator-ws'];

interface Line {
  readonly text: string;
  readonly hosts: readonly string[];
  readonly background: boolean;
}

/** The block's lines, each with the hosts its comment names; a line naming none is an error. */
function blockLines(script: string): Line[] {
  return script
    .split('\n')
    .filter((text) => text.trim() !== '')
    .map((text) => {
      const on = ON_HOST.exec(text)?.[1];
      if (on === undefined) throw new Error(`README "Before install": no "# on HOST" comment on: ${text}`);
      return { text, hosts: on === 'each client' ? CLIENTS : [on], background: /&\s*(#.*)?$/.test(text) };
    });
}

describe.skipIf(why !== undefined)(titleWith('README "Before install", as written, on psm1 and a client (namespaces)', why), () => {
  const block = sectionBlock('Before install', /respond -i/);
  const lines = blockLines(block.script);
  let lab: NetnsLab;
  const dirs = new Map<string, string>();
  let env: NodeJS.ProcessEnv = {};
  let background: BackgroundLine | undefined;
  const ran: Array<{ line: Line; host: string; result: RunResult }> = [];

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['psm1', ...CLIENTS] });
    const root = lab.tempDir('readme-before');
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'psm-netcheck'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, 'psm-netcheck'), 0o755);
    env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, PSM_NETCHECK_TOKEN: TOKEN, NO_COLOR: '1' };
    const host = (name: string, role: string): string => `  - { name: ${name}, role: ${role}, addresses: [${lab.addr(name)}, "${lab.addr(name, 6)}"] }`;
    const inventory = [
      'hosts:',
      host('psm1', 'psm-server'),
      ...CLIENTS.map((name) => host(name, 'psm-client')),
      'responder:',
      '  token: { env: PSM_NETCHECK_TOKEN }',
      '',
    ].join('\n');
    for (const name of lab.hosts) {
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'inventory.yaml'), inventory);
      dirs.set(name, dir);
    }

    for (const line of lines) {
      for (const name of line.hosts) {
        const cwd = dirs.get(name);
        if (cwd === undefined) throw new Error(`README "Before install" runs a line on ${name}, a host this test has not: ${line.text}`);
        if (line.background) {
          if (background !== undefined) throw new Error('README "Before install": a second background line');
          background = startInBackground(lab.ns(name), line.text, cwd, env);
          // The clients' probes must find it listening.
          await background.waitFor(/^ready: /m, 30_000);
        } else {
          ran.push({ line, host: name, result: await run('ip', ['netns', 'exec', lab.ns(name), 'bash', '-c', line.text], { cwd, env, timeoutMs: 120_000 }) });
        }
      }
    }
  }, 300_000);

  afterAll(async () => {
    await background?.stop();
    await lab?.destroy();
  });

  const ranOn = (host: string, pattern: RegExp): RunResult => {
    const found = ran.find((entry) => entry.host === host && pattern.test(entry.line.text));
    if (found === undefined) throw new Error(`no line matching ${pattern} ran on ${host}`);
    return found.result;
  };

  it('names a host this test has for each line, psm1 for preflight and respond, the clients for check', () => {
    expect(lines.map((line) => [line.hosts, line.background])).toEqual([
      [['psm1'], false],
      [['psm1'], true],
      [CLIENTS, false],
    ]);
  });

  it('preflight on psm1: exits 0 or 1 with its report; the ports are free and the addresses present', () => {
    const result = ranOn('psm1', /preflight -i/);
    expect([0, 1], `${result.stdout}\n${result.stderr}`).toContain(result.code);
    expect(result.stdout).toContain('Local checks on psm1 before install');
    // Nothing of PSM is installed yet: each port the server must listen on is free.
    for (const port of [22, 3306, 9000, 9998]) expect(result.stdout).toMatch(new RegExp(`PASS +port/tcp/${port} `));
    for (const family of [4, 6] as const) expect(result.stdout).toMatch(new RegExp(`PASS +address/${lab.addr('psm1', family).replaceAll('.', '\\.')} `));
    expect(result.stdout).toMatch(/^Summary: .*, complete$/m);
  });

  it('respond on psm1: opens the server\'s ports and answers the client', () => {
    const output = background?.output() ?? '';
    expect(output).not.toContain('NOT OPEN');
    expect(output).toMatch(/open {6}tcp\/.*\b9998\b/);
    expect(output).toMatch(/answered operator-ws from 198\.51\.100\.\d+ port \d+ on tcp\/9998/);
  });

  it('check on each client: client.json is a valid report, every TCP path to psm1 verified through the responder', () => {
    const schema = JSON.parse(readFileSync(join(process.cwd(), 'schemas/report.schema.json'), 'utf8')) as object;
    // ajv and ajv-formats are CommonJS: under NodeNext their classes are on `.default`.
    const ajv = new Ajv2020.default({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    for (const client of CLIENTS) {
      const result = ranOn(client, /check -i/);
      expect([0, 1], `${result.stdout}\n${result.stderr}`).toContain(result.code);
      const file = join(dirs.get(client) ?? '', 'client.json');
      expect(existsSync(file), result.stderr).toBe(true);
      const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(report.vantage).toMatchObject({ name: client });
      const server = [lab.addr('psm1'), lab.addr('psm1', 6)];
      const tcp = report.results.filter((r) => r.transport === 'tcp' && server.includes(r.address));
      // Table 1, client to server, over both families: FTP 21, SSH, Monit, MySQL, Graphite, Dashboard, JMX, REST.
      expect(tcp).toHaveLength(16);
      for (const result of tcp) {
        expect(result, `${result.address} tcp/${String(result.port)}`).toMatchObject({ probe: 'responder-tcp', state: 'open', reason: 'responder-answered', verdict: 'pass' });
      }
      for (const family of [4, 6] as const) {
        const rest = tcp.find((r) => r.rows.includes('t1-rest') && r.port === 9998 && r.address === lab.addr('psm1', family));
        expect(rest?.evidence, `t1-rest over IPv${family}`).toMatchObject({ responder: 'psm1', seenAddress: lab.addr(client, family) });
      }
    }
  });

  it('the background respond stops with its whole process group, and says what it answered', async () => {
    const started = background;
    expect(started).toBeDefined();
    await started?.stop();
    expect(started?.output()).toMatch(/^stopped: [1-9]\d* answered, 0 refused/m);
    // Exited, though init may not have reaped the orphaned responder yet: no member still runs.
    expect(runningMembers(started?.group ?? 0)).toEqual([]);
  });
});

/** A line bash runs with `&`: its output, and the process group bash left it in. */
interface BackgroundLine {
  /** The process group: bash's PID, which the `&` command keeps after bash has exited. */
  readonly group: number;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM to the whole group, SIGKILL after 5 s; resolves once the output is closed and bash reaped. */
  stop(): Promise<void>;
}

/**
 * Runs `bash -c LINE` in a namespace as the leader of a new process group. Bash starts the `&`
 * command in that group and exits at once; the command keeps bash's stdout and stderr, so its
 * output is read until the last process of the group closes them.
 */
function startInBackground(ns: string, line: string, cwd: string, env: NodeJS.ProcessEnv): BackgroundLine {
  // `ip netns exec` execs bash, so the child's PID is the group's ID.
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'bash', '-c', line], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const group = child.pid;
  if (group === undefined) throw new Error(`could not start bash in ${ns}`);
  let text = '';
  let open = 2;
  const waiters = new Set<() => void>();
  const streamsClosed = new Promise<void>((resolve) => {
    const onClose = (): void => {
      open -= 1;
      if (open === 0) resolve();
      for (const wake of waiters) wake();
    };
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        text = (text + chunk.toString()).slice(-1024 * 1024);
        for (const wake of waiters) wake();
      });
      stream?.on('close', onClose);
    }
  });
  // Bash exits at once; until Node reaps it, its zombie still counts as a member of the group.
  const bashReaped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const closed = Promise.all([streamsClosed, bashReaped]);
  return {
    group,
    output: () => text,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`"${line}": no output matching ${String(pattern)} within ${timeoutMs} ms:\n${text}`)), timeoutMs);
        const done = (error?: Error): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error === undefined) resolve();
          else reject(error);
        };
        const check = (): void => {
          if (pattern.test(text)) done();
          else if (open === 0) done(new Error(`"${line}" ended before its output matched ${String(pattern)}:\n${text}`));
        };
        waiters.add(check);
        check();
      }),
    async stop() {
      if (open === 0) return void (await closed);
      signalPid(-group, 'SIGTERM');
      const killer = setTimeout(() => signalPid(-group, 'SIGKILL'), 5_000);
      await closed;
      clearTimeout(killer);
    },
  };
}

/** The processes of a group that have not exited (zombies excluded), from /proc. */
function runningMembers(group: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // After the command's name: state, ppid, pgrp.
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(pgrp) === group && state !== 'Z';
      } catch {
        return false; // gone while we read
      }
    })
    .map(Number);
}
