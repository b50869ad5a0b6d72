import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import type { CoverageReport } from '../../src/merge/types.js';
import { runCli, runCliIntoClosedPipe } from '../support/cli.js';
import { fakeReport } from './reports.js';
import { asVersion1, version1Validator } from '../support/report-v1.js';

const INVENTORY = `
hosts:
  - { name: psm1, role: psm-server, addresses: [192.0.2.10] }
  - { name: client-a, role: psm-client, addresses: [192.0.2.20] }
responder:
  token: { env: MERGE_CLI_TOKEN_NOT_SET }
`;

const dir = mkdtempSync(join(tmpdir(), 'psm-netcheck-merge-cli-'));
const at = (name: string): string => join(dir, name);
writeFileSync(at('inventory.yaml'), INVENTORY);
const inventory = parseInventory(INVENTORY, at('inventory.yaml'), dir, { requireSecrets: false });
writeFileSync(at('psm1.json'), JSON.stringify(fakeReport(inventory, { from: 'psm1', viaResponder: ['client-a'] })));
writeFileSync(at('client-a.json'), JSON.stringify(fakeReport(inventory, { from: 'client-a', viaResponder: ['psm1'] })));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('psm-netcheck merge', () => {
  it('exit 0 when every path is verified, with the merged report on stdout and in files', async () => {
    const run = await runCli(['merge', '-i', at('inventory.yaml'), at('psm1.json'), at('client-a.json'), '-f', 'json', '-o', at('merged.html'), '-o', `human=${at('merged.out')}`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const merged = JSON.parse(run.stdout) as CoverageReport;
    expect(merged.summary).toMatchObject({ pass: 9, total: 9 });
    expect(readFileSync(at('merged.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(readFileSync(at('merged.out'), 'utf8')).toContain('9 matrix paths for this inventory: every path is verified');
  });

  it('reads a report of schema version 1 (an older psm-netcheck on one host) beside one of this version', async () => {
    const old = asVersion1(fakeReport(inventory, { from: 'psm1', viaResponder: ['client-a'] }));
    expect(version1Validator()(old)).toBe(true);
    writeFileSync(at('psm1-v1.json'), JSON.stringify(old));
    const run = await runCli(['merge', '-i', at('inventory.yaml'), at('psm1-v1.json'), at('client-a.json'), '-f', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as CoverageReport).summary).toMatchObject({ pass: 9, total: 9 });
  });

  it('exit 1 while a path is not covered, and `coverage` is the same command', async () => {
    const run = await runCli(['coverage', '-i', at('inventory.yaml'), at('psm1.json')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('NOT COVERED YET');
    expect(run.stdout).toContain(`psm-netcheck check -i ${at('inventory.yaml')} --from client-a --via-responder psm1`);
  });

  it('checks every input before writing anything: E_INPUT_REPORT, exit 2, no file written', async () => {
    writeFileSync(at('not-a-report.json'), '{"schemaVersion": 1}');
    writeFileSync(at('not-json.json'), 'hello');
    execFileSync('mkfifo', [at('fifo.json')]);
    const elsewhere = fakeReport(parseInventory(INVENTORY.replace('client-a', 'client-z'), 'other.yaml', dir, { requireSecrets: false }), { from: 'client-z' });
    writeFileSync(at('elsewhere.json'), JSON.stringify(elsewhere));
    const cases: [string, RegExp][] = [
      [at('missing.json'), /missing\.json: no such file/],
      [at('not-json.json'), /not-json\.json: not JSON/],
      [at('not-a-report.json'), /not-a-report\.json: not a psm-netcheck report of this version/],
      [at('fifo.json'), /fifo\.json: not a regular file/],
      [at('elsewhere.json'), /elsewhere\.json: made from client-z, which is not a host of/],
    ];
    for (const [file, message] of cases) {
      const run = await runCli(['merge', '-i', at('inventory.yaml'), at('psm1.json'), file, '-o', at('never.html')]);
      expect(run.code, file).toBe(2);
      expect(run.stderr, file).toMatch(/^psm-netcheck: E_INPUT_REPORT: /);
      expect(run.stderr, file).toMatch(message);
      expect(run.stdout, file).toBe('');
      expect(existsSync(at('never.html')), file).toBe(false);
    }
  });

  it('usage errors: no report, an unknown output format', async () => {
    expect(await runCli(['merge', '-i', at('inventory.yaml')])).toMatchObject({ code: 2, stderr: expect.stringMatching(/E_USAGE: missing required argument/) });
    const bad = await runCli(['merge', '-i', at('inventory.yaml'), at('psm1.json'), '-o', `prom=${at('x.prom')}`]);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/E_USAGE: --output prom=.*unknown format "prom" \(known: human, json, html\)/) });
  });

  it('ends quietly when the reader closes stdout early (merge | head): its own exit code, no trace', async () => {
    for (const format of ['human', 'json', 'html']) {
      const args = ['merge', '-i', at('inventory.yaml'), at('psm1.json'), '-f', format];
      const whole = await runCli(args);
      const cut = await runCliIntoClosedPipe(args, { closeAt: 'start' });
      expect(cut.stderr, format).toBe('');
      expect(cut.code, format).toBe(whole.code);
    }
  });

  it('`schema coverage` prints the committed schema', async () => {
    const run = await runCli(['schema', 'coverage']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(readFileSync(new URL('../../schemas/coverage.schema.json', import.meta.url), 'utf8'));
  });
});
