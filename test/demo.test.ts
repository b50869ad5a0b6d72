import { mkdtemp, readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBE_KINDS } from '../probes/registry.js';
import type { ProbeResult, Report } from '../src/report/types.js';
import { CLI, runCli } from './support/cli.js';

/**
 * The README's first command: `demo` runs the whole product on the simulated network, with no
 * root and no network but loopback; and `lab` + `check` give the same result. Both use the lab's
 * fixed 127.77.0.0/16 addresses, so they run one after the other in this one file.
 */

const verdictsById = (report: Report): Map<string, string> =>
  new Map(report.results.map((r) => [r.id, `${r.verdict} ${r.state} ${r.reason}`]));
const find = (report: Report, target: string, probe: string): ProbeResult[] =>
  report.results.filter((r) => r.target === target && r.probe === probe);

describe('demo and lab', () => {
  let demo: Report;

  it('demo: every probe kind runs, with passing and failing paths, each failure with its reason', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-demo-test-'));
    const output = join(dir, 'demo.json');
    const run = await runCli(['demo', '-o', output]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('JSON report:');
    demo = JSON.parse(await readFile(output, 'utf8')) as Report;
    expect(demo.complete).toBe(true);

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

  it('lab + check give the same result as demo', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-lab-test-'));
    const lab = spawn(process.execPath, [CLI, 'lab', '--dir', dir, '--for', '2m'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        lab.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('Check it:')) resolve();
        });
        lab.on('exit', (code) => reject(new Error(`lab exited early (${code})`)));
      });
      const command = /Check it: {2}psm-netcheck (.*)\n/.exec(out)?.[1]?.split(' ') ?? [];
      expect(command[0]).toBe('check');
      const run = await runCli([...command, '--timeout', '1s', '--retries', '0', '--format', 'json']);
      expect(run.code).toBe(1);
      const checked = JSON.parse(run.stdout) as Report;
      expect(verdictsById(checked)).toEqual(verdictsById(demo));
    } finally {
      lab.kill('SIGINT');
      await new Promise((resolve) => lab.once('exit', resolve));
    }
  });
});
