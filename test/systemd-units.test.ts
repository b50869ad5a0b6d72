import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

/**
 * The systemd units in docs/systemd are examples people copy: their command lines must be ones
 * the CLI accepts. Each ExecStart runs against an inventory that does not exist, so that the
 * flags are all parsed and validated (a bad one exits 2 with E_USAGE, or commander's "unknown
 * option") and the run stops at E_INVENTORY before anything is probed.
 */

const UNITS = fileURLToPath(new URL('../docs/systemd/', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> };

/** Unit file settings, with backslash continuations joined and comments dropped. */
function settings(text: string): [key: string, value: string][] {
  return text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.includes('=') && !line.startsWith('#') && !line.startsWith(';'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()]);
}

const services = readdirSync(UNITS).filter((file) => file.endsWith('.service'));

describe('docs/systemd units', () => {
  it('has a check service with its timer, and a serve service', () => {
    expect(services.sort()).toEqual(['psm-netcheck-serve.service', 'psm-netcheck.service']);
    const timer = settings(readFileSync(join(UNITS, 'psm-netcheck.timer'), 'utf8'));
    expect(timer.some(([key]) => key === 'OnCalendar')).toBe(true);
    // A timer starts the service of its own name: no Unit= needed, none pointing elsewhere.
    expect(timer.find(([key]) => key === 'Unit')).toBeUndefined();
  });

  it.each(services)('%s runs a command line the CLI accepts', async (file) => {
    const unit = settings(readFileSync(join(UNITS, file), 'utf8'));
    const execStart = unit.filter(([key]) => key === 'ExecStart');
    expect(execStart).toHaveLength(1);
    const [program = '', ...args] = (execStart[0]?.[1] ?? '').split(/\s+/);
    expect(program.split('/').at(-1)).toBe(Object.keys(pkg.bin)[0]);
    const inventory = args.indexOf('-i') + 1;
    expect(inventory).toBeGreaterThan(0);
    args[inventory] = join(UNITS, 'no-such-inventory.yaml');
    // The unit's state directories (StateDirectory=, node_exporter's) exist only on a real server:
    // its files go to a scratch directory, so that the outputs are checked (before the inventory) and pass.
    const scratch = mkdtempSync(join(tmpdir(), 'psm-netcheck-unit-'));
    for (let i = 0; i < args.length; i++) args[i] = (args[i] ?? '').replace(/^(\w+=)?\/var\/lib\/(?:[^/]+\/)*/, `$1${scratch}/`);

    const run = await runCli(args);
    expect(run.stderr).not.toMatch(/unknown option|E_USAGE/);
    expect(run.stderr).toContain('E_INVENTORY');
    expect(run.code).toBe(2);
  });
});
