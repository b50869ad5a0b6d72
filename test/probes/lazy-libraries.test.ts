import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { lazyModule } from '../../probes/kit/lazy-module.js';

const run = promisify(execFile);

describe('lazyModule', () => {
  it('loads once, on the first call, and shares the result', async () => {
    let loads = 0;
    const load = lazyModule('example', async () => ({ n: ++loads }));
    expect(loads).toBe(0);
    const [first, second] = await Promise.all([load(), load()]);
    expect(first).toEqual({ ok: true, module: { n: 1 } });
    expect(second).toBe(first);
    expect(await load()).toBe(first);
    expect(loads).toBe(1);
  });

  it('turns a failed load into a result naming the library, never a rejection', async () => {
    let loads = 0;
    const load = lazyModule('broken-lib', () => {
      loads += 1;
      throw new Error('Cannot find module broken-lib');
    });
    await expect(load()).resolves.toEqual({
      ok: false,
      message: 'the broken-lib library could not be loaded: Cannot find module broken-lib',
    });
    await load();
    expect(loads).toBe(1);
  });
});

// The built probes (npm test builds first), in a child process whose module resolution refuses
// every package but these: a real failed import, as with a broken install, not a mock. zod is
// the probes' option schemas, needed at start-up; pino is the test's logger (probe-context.ts).
// A new library imported statically by a probe fails here: load it with lazyModule instead.
const dist = (path: string): string => pathToFileURL(join(import.meta.dirname, '../../dist', path)).href;
const ALLOWED = ['zod', 'pino'];
const dir = mkdtempSync(join(tmpdir(), 'psm-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOOKS = `
import { isBuiltin } from 'node:module';
let allowed = new Set();
export function initialize(names) { allowed = new Set(names); }
export async function resolve(specifier, context, next) {
  const bare = !/^(\\.|\\/|[a-z]+:)/.test(specifier) && !isBuiltin(specifier);
  if (bare && !allowed.has(specifier)) throw new Error(specifier + ' is blocked by the test');
  return next(specifier, context);
}`;

const SCRIPT = `
import net from 'node:net';
import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)}, { data: ${JSON.stringify(ALLOWED)} });
const { PROBES } = await import(${JSON.stringify(dist('probes/registry.js'))});
const { runProbe, tcpTarget, udpTarget } = await import(${JSON.stringify(dist('test/support/probe-context.js'))});
const server = net.createServer((socket) => socket.end());
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
// prepare() must resolve even when the library cannot be loaded: run() reports it.
const prepared = await Promise.allSettled(Object.values(PROBES).map((probe) => probe.prepare?.()));
const facts = {
  prepared: prepared.map((outcome) => outcome.status),
  tcp: await runProbe(PROBES.tcp, tcpTarget(port)),
  ssh: await runProbe(PROBES.ssh, tcpTarget(port)),
  netconf: await runProbe(PROBES.netconf, tcpTarget(port)),
  dns: await runProbe(PROBES.dns, udpTarget(port)),
  snmp: await runProbe(PROBES.snmp, udpTarget(port), { credentials: { snmp: { version: '3', user: 'u', level: 'noAuthNoPriv' } } }),
  'snmp-inform': await runProbe(PROBES['snmp-inform'], udpTarget(port)),
  // Without credentials only the hand-built discovery goes out: no library needed (nothing listens on UDP there).
  snmpDiscovery: await runProbe(PROBES.snmp, udpTarget(port)),
  icmp: await runProbe(PROBES.icmp, { host: 'test-peer', address: '127.0.0.1', port: undefined, transport: 'icmp' }, { options: { method: 'raw' } }),
};
server.close();
console.log(JSON.stringify(facts));
`;

describe('probe libraries are loaded on first use', () => {
  it('the registry loads without them; a probe that needs a missing one reports a local error', async () => {
    writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
    writeFileSync(join(dir, 'child.mjs'), SCRIPT);
    const { stdout } = await run(process.execPath, [join(dir, 'child.mjs')], { timeout: 30_000 });
    const { prepared, ...facts } = JSON.parse(stdout) as { prepared: string[] } & Record<string, { state: string; reason: string; message?: string }>;
    expect(new Set(prepared)).toEqual(new Set(['fulfilled']));

    expect(facts.tcp).toMatchObject({ state: 'open' });
    for (const [kind, library] of [['ssh', 'ssh2'], ['netconf', 'ssh2'], ['dns', 'dns-packet'], ['snmp', 'net-snmp'], ['snmp-inform', 'net-snmp']] as const) {
      expect(facts[kind], kind).toMatchObject({ state: 'error', reason: 'local-error' });
      expect(facts[kind]?.message, kind).toContain(`the ${library} library could not be loaded`);
    }
    expect(facts.snmpDiscovery).toMatchObject({ state: 'closed', reason: 'port-unreachable' });
    // The raw method is unavailable, as without the privilege; `auto` would fall back to the ping command.
    expect(facts.icmp).toMatchObject({ state: 'error', reason: 'no-icmp-privilege' });
    expect(facts.icmp?.message).toContain('the raw-socket library could not be loaded');
  });
});
