import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NetcheckError } from '../src/core/errors.js';
import { parseRunFlags, type RunFlags } from '../src/core/settings.js';
import { parseInventory } from '../src/inventory/load.js';

/**
 * Run settings are declared once (src/core/settings.ts): the inventory's `defaults:` and the
 * command-line flags go through the same schemas, so they refuse the same values in the same
 * words. Issue 15 found `retries: 1000` loading from an inventory while `--retries 1000` was refused.
 */

const scratch = mkdtempSync(join(tmpdir(), 'psm-netcheck-settings-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const HOSTS = `hosts:
  - name: psm1
    role: psm-server
    addresses: [192.0.2.10]
`;

/** The inventory's words for a bad `defaults.<key>: <value>`, without the location and the "got" part. */
function inventoryRefusal(key: string, value: string): string {
  try {
    parseInventory(`defaults:\n  ${key}: ${value}\n${HOSTS}`, 'inventory.yaml', scratch, { env: {} });
  } catch (error) {
    const line = (error as Error).message.split('\n').find((text) => text.includes(`defaults.${key}:`));
    expect(line, (error as Error).message).toBeDefined();
    return (line ?? '').replace(/^.*?defaults\.\w+: /, '').replace(/, got .*$/, '');
  }
  throw new Error(`defaults.${key}: ${value} was accepted`);
}

/** The flags' words for a bad value, without the flag and its value. */
function flagRefusal(flags: RunFlags): string {
  try {
    parseRunFlags(flags);
  } catch (error) {
    expect(error).toBeInstanceOf(NetcheckError);
    expect((error as NetcheckError).code).toBe('E_USAGE');
    return (error as Error).message.replace(/^--[\w-]+ "[^"]*": /, '');
  }
  throw new Error(`${JSON.stringify(flags)} was accepted`);
}

const CASES: readonly { key: string; value: string; flags: RunFlags }[] = [
  { key: 'retries', value: '1000', flags: { retries: '1000' } },
  { key: 'retries', value: '11', flags: { retries: '11' } },
  { key: 'timeout', value: '1h', flags: { timeout: '1h' } },
  { key: 'timeout', value: '0', flags: { timeout: '0' } },
  { key: 'concurrency', value: '100000', flags: { concurrency: '100000' } },
  { key: 'perHostConcurrency', value: '0', flags: { perHost: '0' } },
  { key: 'maxRate', value: '2000000', flags: { maxRate: '2000000' } },
];

describe('run settings, one schema for the inventory and the flags', () => {
  for (const { key, value, flags } of CASES) {
    it(`refuses ${key} ${value} from both, in the same words`, () => {
      const fromInventory = inventoryRefusal(key, value);
      expect(fromInventory).toMatch(/^expected /);
      expect(flagRefusal(flags)).toBe(fromInventory);
    });
  }

  it('accepts the same values from both', () => {
    const inventory = parseInventory(
      `defaults:\n  timeout: 1500ms\n  retries: 10\n  concurrency: 65536\n  perHostConcurrency: 1\n  maxRate: 1000000\n${HOSTS}`,
      'inventory.yaml',
      scratch,
      { env: {} },
    );
    const fromFlags = parseRunFlags({ timeout: '1500ms', retries: '10', concurrency: '65536', perHost: '1', maxRate: '1000000' });
    expect(fromFlags).toEqual({ timeoutMs: 1500, retries: 10, concurrency: 65536, perHostConcurrency: 1, maxRate: 1000000 });
    expect(inventory.defaults).toMatchObject(fromFlags);
  });
});
