import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_KINDS } from '../probes/registry.js';
import { planLab } from '../src/lab/plan.js';
import { MATRIX } from '../src/matrix/rows.js';
import { hostsForRow } from '../src/planner/row-hosts.js';
import type { ProbeResult, Report } from '../src/report/types.js';
import { CLI, runCli } from './support/cli.js';

/**
 * The README's first command: `demo` runs the whole product on the simulated network, with no
 * root and no network but loopback; and `lab` + `check` give the same result. Labs on one machine
 * must not collide: here a `lab` runs while two demos run at the same time, each on its own
 * 127.N.0.0/16 block (the port held by another program is test/lab-addresses.test.ts).
 */

/**
 * The demo's own 1 s deadline is for a person at an idle machine; the tests share two cores with
 * other suites, where an SSH key exchange can take longer. The faults show the same either way.
 */
const TIMEOUT = '5s';

/** The lab's devices and faults, as planned: the same whichever block a lab takes. */
const plan = planLab();
const vantage = plan.hosts.find((host) => host.name === plan.vantage);

/** A result or a fault, by host and port rather than address: the block differs from lab to lab. */
const where = (host: string, transport: string, port: number | null | undefined): string => `${host} ${transport}/${port ?? '-'}`;
const byIdWithoutAddress = (report: Report): Map<string, string> =>
  new Map(report.results.map((r) => [r.id.replace(`/${r.address}/`, '/*/'), `${r.verdict} ${r.state} ${r.reason}`]));
const find = (report: Report, target: string, probe: string): ProbeResult[] =>
  report.results.filter((r) => r.target === target && r.probe === probe);
const networkOf = (report: Report): string => {
  const blocks = new Set(report.results.map((r) => r.address.split('.').slice(0, 2).join('.')));
  expect(blocks.size).toBe(1);
  return [...blocks][0] ?? '';
};

describe('demo and lab', () => {
  let lab: ChildProcessByStdio<null, Readable, Readable>;
  let labOutput = '';
  const demos: Report[] = [];
  const stdouts: string[] = [];

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-lab-test-'));
    lab = spawn(process.execPath, [CLI, 'lab', '--dir', dir, '--for', '3m'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      lab.stdout.on('data', (chunk: Buffer) => {
        labOutput += chunk.toString();
        if (labOutput.includes('Check it:')) resolve();
      });
      lab.on('exit', (code) => reject(new Error(`lab exited early (${code})`)));
    });

    // Two demos at the same moment, while the lab holds its block.
    const runs = await Promise.all(
      [1, 2].map(async (n) => {
        const output = join(await mkdtemp(join(tmpdir(), `psm-netcheck-demo-test-${n}-`)), 'demo.json');
        return { run: await runCli(['demo', '--timeout', TIMEOUT, '-o', output]), output };
      }),
    );
    for (const { run, output } of runs) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout).toContain('JSON report:');
      demos.push(JSON.parse(await readFile(output, 'utf8')) as Report);
      stdouts.push(run.stdout);
    }
  }, 240_000);

  afterAll(async () => {
    if (lab === undefined || lab.exitCode !== null) return;
    lab.kill('SIGINT');
    await new Promise((resolve) => lab.once('exit', resolve));
  });

  it('a lab and two demos at the same time each take their own addresses', () => {
    const labNetwork = /hosts on (127\.\d+)\.0\.0\/16/.exec(labOutput)?.[1];
    expect(labNetwork).toBeDefined();
    const networks = [labNetwork, ...demos.map(networkOf)];
    expect(new Set(networks).size).toBe(3);
    for (const demo of demos) expect(demo.complete).toBe(true);
  });

  it('demo: every probe kind runs, with passing and failing paths, each failure with its reason', () => {
    const demo = demos[0] as Report;
    const kinds = new Set(demo.results.map((r) => r.probe));
    // The responder probes verify inbound paths of a peer in pre-install mode; the demo has none.
    for (const kind of PROBE_KINDS.filter((k) => !k.startsWith('responder'))) expect(kinds, kind).toContain(kind);
    expect(demo.summary.pass).toBeGreaterThan(0);
    expect(demo.summary.fail).toBeGreaterThan(0);

    // The faults the lab plants on purpose, each diagnosed for what it is.
    expect(find(demo, 'ne-bti7800-6', 'netconf')[0]).toMatchObject({ verdict: 'fail', reason: 'auth-failed' });
    expect(find(demo, 'ne-juniper-mx-7', 'ssh')[0]).toMatchObject({ verdict: 'fail', reason: 'host-key-changed' });
    expect(find(demo, 'ne-bti700-8', 'telnet')[0]).toMatchObject({ verdict: 'fail', state: 'closed', reason: 'refused' });
    expect(find(demo, 'ne-bti800-9', 'telnet')[0]).toMatchObject({ verdict: 'fail', state: 'open', reason: 'no-banner' });
    expect(find(demo, 'radius-2', 'radius')[0]).toMatchObject({ verdict: 'fail', state: 'open|filtered' });
    expect(find(demo, 'radius-3', 'radius')[0]?.findings.map((f) => f.code)).toContain('radius-no-message-authenticator');
    expect(find(demo, 'ntp-2', 'ntp')[0]).toMatchObject({ verdict: 'warn', reason: 'ntp-unsynchronized' });
    // And healthy peers pass.
    expect(find(demo, 'ne-bti7800-1', 'netconf')[0]).toMatchObject({ verdict: 'pass', reason: 'netconf-ok' });
    expect(find(demo, 'noc-1', 'snmp-inform')[0]?.verdict).toBe('pass');
  });

  it('demo tells its story: what is simulated and planted before the report, what was found after', () => {
    const stdout = stdouts[0] ?? '';
    const [before = '', after = ''] = stdout.split('Planted faults, and what psm-netcheck found:');
    expect(before).toContain('a simulated PSM deployment');
    expect(before).toContain('moved up by 20000');
    expect(before).toContain(`${plan.faults.length} faults are planted on purpose`);
    for (const fault of plan.faults) {
      expect(before).toContain(`- ${fault.host}: `);
      expect(after).toMatch(new RegExp(`^  ${fault.host} +(FAIL|WARN) `, 'm'));
    }
    expect(after).not.toContain('NOT FOUND');
    expect(after).toContain('the failures above are the planted ones');
    expect(after).toContain('Next: describe your deployment');
    for (const line of stdout.split('\n').slice(0, plan.faults.length + 8)) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('demo: the failing and warning results are the planted faults, nothing more, nothing less', () => {
    const planted = plan.faults.flatMap((fault) => fault.ports.map((port) => `${where(fault.host, port.transport, port.port)} ${fault.verdict}`));
    expect(planted.length).toBeGreaterThan(0);
    for (const demo of demos) {
      const notPassing = demo.results.filter((r) => r.verdict !== 'pass').map((r) => `${where(r.target, r.transport, r.port)} ${r.verdict}`);
      expect(notPassing.sort()).toEqual([...planted].sort());
    }
  });

  it('demo: every matrix row the vantage opens has results; the rest of the deployment is listed as not testable', () => {
    const demo = demos[0] as Report;
    expect(vantage).toBeDefined();
    const tested = new Set(demo.results.flatMap((r) => r.rows));
    const notTestable = new Set(demo.notTestable.map((entry) => entry.row));
    const rowsOfTheVantage = MATRIX.filter((row) => vantage?.roles.includes(row.initiator));
    expect(rowsOfTheVantage.length).toBeGreaterThan(0);
    // The lab has a responder for every row its vantage opens: none is left out of the demo.
    for (const row of rowsOfTheVantage) expect(tested, row.id).toContain(row.id);
    for (const row of MATRIX.filter((r) => !rowsOfTheVantage.includes(r))) {
      const initiators = hostsForRow(plan, row, 'initiator');
      const responders = hostsForRow(plan, row, 'responder');
      if (initiators.length === 0 || responders.length === 0) continue; // no such hosts in the lab
      expect(notTestable, row.id).toContain(row.id);
      expect(tested, row.id).not.toContain(row.id);
    }
  });

  it('lab + check give the same result as demo', async () => {
    const command = /Check it: {2}psm-netcheck (.*)\n/.exec(labOutput)?.[1]?.split(' ') ?? [];
    expect(command[0]).toBe('check');
    const run = await runCli([...command, '--timeout', TIMEOUT, '--retries', '0', '--format', 'json']);
    expect(run.code, run.stderr).toBe(1);
    const checked = JSON.parse(run.stdout) as Report;
    expect(byIdWithoutAddress(checked)).toEqual(byIdWithoutAddress(demos[0] as Report));
  });
});
