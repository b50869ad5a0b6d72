import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuleSet } from '../../src/rules/types.js';
import { runCli } from '../support/cli.js';

/** Text only: `rules` sends nothing. */
const INVENTORY = `
hosts:
  - { name: psm1, role: psm-server, addresses: [198.51.100.10] }
  - { name: client-a, role: psm-client, addresses: [198.51.100.20] }
  - { name: ne1, role: network-element, neType: bti7800, addresses: [198.51.100.101], credentials: [ne] }
credentials:
  ne: { ssh: { username: psm, password: { env: RULES_CLI_SECRET_NOT_SET } } }
`;

const dir = mkdtempSync(join(tmpdir(), 'psm-netcheck-rules-cli-'));
const at = (name: string): string => join(dir, name);
writeFileSync(at('inventory.yaml'), INVENTORY);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('psm-netcheck rules', () => {
  it('writes the files asked for and Markdown on stdout, reading no secret', async () => {
    const run = await runCli(['rules', '-i', at('inventory.yaml'), '-o', at('request.csv'), '-o', at('rules.nft'), '-o', `json=${at('rules.out')}`, '-o', at('rules.v4'), '-o', at('rules.v6')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^# Firewall change request: /);
    expect(readFileSync(at('request.csv'), 'utf8')).toMatch(/^id,action,matrix row,/);
    expect(readFileSync(at('rules.nft'), 'utf8')).toContain('table inet psm_netcheck {');
    expect(readFileSync(at('rules.v4'), 'utf8')).toContain(':FORWARD DROP [0:0]');
    expect(readFileSync(at('rules.v6'), 'utf8')).toContain('*filter');
    const json = JSON.parse(readFileSync(at('rules.out'), 'utf8')) as RuleSet;
    expect(json).toMatchObject({ schemaVersion: 1, aggregated: true, deny: 'drop', inventory: at('inventory.yaml') });
  });

  it('--deny reject: said in the JSON (the rule texts: test/rules/rules.test.ts)', async () => {
    const json = JSON.parse((await runCli(['rules', '-i', at('inventory.yaml'), '-f', 'json', '--deny', 'reject'])).stdout) as RuleSet;
    expect(json.deny).toBe('reject');
  });

  it('--per-host: one entry per source and destination host', async () => {
    const grouped = JSON.parse((await runCli(['rules', '-i', at('inventory.yaml'), '-f', 'json'])).stdout) as RuleSet;
    const expanded = JSON.parse((await runCli(['rules', '-i', at('inventory.yaml'), '-f', 'json', '--per-host'])).stdout) as RuleSet;
    expect(expanded.aggregated).toBe(false);
    expect(expanded.entries.length).toBe(expanded.summary.paths);
    expect(expanded.summary.paths).toBe(grouped.summary.paths);
  });

  it('usage errors exit 2 with E_USAGE before the inventory is read or anything is written', async () => {
    const cases: [string[], RegExp][] = [
      [['-f', 'pdf'], /E_USAGE: option '-f, --format <format>' argument 'pdf' is invalid/],
      [['-o', at('rules.pdf')], /E_USAGE: --output .*rules\.pdf: cannot tell the format from the extension/],
      [['-o', `pdf=${at('rules.x')}`], /E_USAGE: --output pdf=.*: unknown format "pdf"/],
      [['--bogus'], /E_USAGE: unknown option '--bogus'/],
      [['--deny', 'ignore'], /E_USAGE: option '--deny <target>' argument 'ignore' is invalid/],
    ];
    for (const [args, message] of cases) {
      // The inventory does not exist: a usage error must come first all the same.
      const run = await runCli(['rules', '-i', at('missing.yaml'), '-o', at('first.csv'), ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
      expect(existsSync(at('first.csv'))).toBe(false);
    }
    const noInventory = await runCli(['rules']);
    expect(noInventory.code).toBe(2);
    expect(noInventory.stderr).toContain("E_USAGE: required option '-i, --inventory <file>' not specified");
  });

  it('an output that cannot be written is E_OUTPUT, exit 2, before the inventory is read', async () => {
    const run = await runCli(['rules', '-i', at('missing.yaml'), '-o', `csv=${dir}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/E_OUTPUT: --output .*: is a directory/);
  });

  it('`schema rules` prints the committed schemas/rules.schema.json', async () => {
    const run = await runCli(['schema', 'rules']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(readFileSync(new URL('../../schemas/rules.schema.json', import.meta.url), 'utf8'));
  });
});
