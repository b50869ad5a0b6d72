import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planLab } from '../src/lab/plan.js';
import type { Report } from '../src/report/types.js';
import { createNetnsLab, type NetnsLab } from './support/netns.js';
import { missing, netns, titleWith } from './support/skip.js';

/**
 * `demo` and `lab` when another program holds one of their ports (issue 16, item 14: they died as
 * an internal error with EADDRINUSE). Each case runs in a network namespace of its own, so the
 * port held here, on every address in the second case, blocks nothing outside the test: loopback
 * and abstract Unix sockets belong to the namespace.
 */
const why = missing(netns);

/** psm-server-1's SSH port in the lab (22 + 20000): the first host every lab binds. */
const HELD_PORT = 20_022;
const CLI = 'dist/src/cli/main.js';

describe.skipIf(why !== undefined)(titleWith('demo and lab when their ports are taken', why), () => {
  let lab: NetnsLab;

  beforeAll(async () => {
    lab = await createNetnsLab({ hosts: ['jump1', 'jump2'] });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  /** Another program, listening on each address's HELD_PORT in the host's namespace until stopped. */
  async function holdPort(host: string, ...addresses: string[]): Promise<{ stop(): Promise<void> }> {
    const listen = (address: string): string => `new Promise((held) => require('net').createServer().listen(${HELD_PORT}, '${address}', held))`;
    const script = `Promise.all([${addresses.map(listen).join(', ')}]).then(() => console.log('held'))`;
    const holder = lab.spawn(host, process.execPath, ['-e', script]);
    await holder.waitForOutput(/held/, 20_000);
    return holder;
  }

  it('a port held in the first two blocks: demo takes the third and finds exactly its faults', async () => {
    // Two blocks, not every address: a lab of another checkout, say; the third block is free.
    const holder = await holdPort('jump1', '127.77.0.1', '127.78.0.1');
    try {
      const output = join(lab.tempDir('demo'), 'demo.json');
      const run = await lab.runNode('jump1', CLI, ['demo', '--timeout', '5s', '-o', output]);
      expect(run.code, run.stderr).toBe(1);
      const report = JSON.parse(readFileSync(output, 'utf8')) as Report;
      expect(report.complete).toBe(true);
      expect(new Set(report.results.map((r) => r.address.split('.').slice(0, 2).join('.')))).toEqual(new Set(['127.79']));
      const planted = planLab().faults.flatMap((fault) => fault.ports.map((p) => `${fault.host} ${p.transport}/${p.port} ${fault.verdict}`));
      const notPassing = report.results.filter((r) => r.verdict !== 'pass').map((r) => `${r.target} ${r.transport}/${r.port} ${r.verdict}`);
      expect(notPassing.sort()).toEqual(planted.sort());
    } finally {
      await holder.stop();
    }
  });

  it('a port held on every address: demo and lab exit 2 with E_LAB_IN_USE naming it, before any probe', async () => {
    const holder = await holdPort('jump2', '0.0.0.0');
    try {
      const dir = lab.tempDir('held-everywhere');
      const output = join(dir, 'demo.json');
      const demo = await lab.runNode('jump2', CLI, ['demo', '--timeout', '5s', '-o', output]);
      const started = await lab.runNode('jump2', CLI, ['lab', '--dir', join(dir, 'lab'), '--for', '5s']);
      for (const run of [demo, started]) {
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(new RegExp(`^psm-netcheck: E_LAB_IN_USE: .*tcp port ${HELD_PORT} on 127\\.77\\.0\\.1\\b.*and on every address`, 'm'));
        expect(run.stderr).toContain(`ss -lnp 'sport = :${HELD_PORT}'`);
        expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
      }
      expect(demo.stdout).toBe('');
      expect(existsSync(output)).toBe(false);
      expect(existsSync(join(dir, 'lab', 'inventory.yaml'))).toBe(false);
    } finally {
      await holder.stop();
    }
  });
});
