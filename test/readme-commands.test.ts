import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installBlocks, quickStart } from './support/readme.js';
import { ROOT } from './support/release.js';

/**
 * Every command of the README's quick start and Install section is run by a test, as written, or
 * is listed here with the reason it cannot run on this machine or CI's. A new block fails this
 * test until a test runs it (or a reason is given), so the README cannot drift from what works.
 */

const RUN_BY: ReadonlyArray<{ under: string; pattern: RegExp; by: string }> = [
  { under: 'Release tarball', pattern: /tar -xzf/, by: 'test/release/tarball.test.ts' },
  { under: 'Debian/Ubuntu', pattern: /dpkg -i/, by: 'test/release/packages.test.ts' },
  { under: 'From source', pattern: /npm ci/, by: 'test/release/npm-ci-without-compiler.test.ts' },
];

const NOT_RUNNABLE_HERE: ReadonlyArray<{ under: string; pattern: RegExp; why: string }> = [
  {
    under: 'Debian/Ubuntu',
    pattern: /dnf install/,
    why: 'dnf does not run on Debian: test/release/packages.test.ts reads the .rpm it installs (files, scriptlets, requirements) and runs its payload',
  },
];

describe('README commands', () => {
  it('are all run by a test, or say why they cannot be', () => {
    const blocks = installBlocks();
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const run = RUN_BY.filter((entry) => block.under.startsWith(entry.under) && entry.pattern.test(block.script));
      const excused = NOT_RUNNABLE_HERE.filter((entry) => block.under.startsWith(entry.under) && entry.pattern.test(block.script));
      expect(run.length + excused.length, `README Install block under "${block.under}":\n${block.script}`).toBe(1);
      for (const entry of run) {
        // That test does run it: it names the block it takes from the README.
        expect(readFileSync(path.join(ROOT, entry.by), 'utf8')).toContain(`installBlock('${entry.under}'`);
      }
    }
  });

  it('start with the two quick-start commands, both still true', () => {
    // npm ci (CI's own first step) and npm run demo (test/demo.test.ts runs the demo); npm test is CI's test step.
    expect(quickStart().split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean)).toEqual(['npm ci && npm run demo', 'npm test']);
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.demo).toContain('demo');
    expect(scripts.test).toBeDefined();
    expect(readFileSync(path.join(ROOT, '.ci/run'), 'utf8')).toMatch(/^npm ci\b/m);
    expect(readFileSync(path.join(ROOT, '.ci/run'), 'utf8')).toMatch(/^\s*(\S+=\S+\s+)*npm test\b/m);
  });
});
