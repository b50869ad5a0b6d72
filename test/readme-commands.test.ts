import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allBlocks, installBlocks, quickStart } from './support/readme.js';
import { ROOT } from './support/release.js';

/**
 * Every command of the README is run by a test, as written, or is listed here with the reason it
 * cannot run on this machine or CI's. A new block fails this test until a test runs it (or a
 * reason is given), so the README cannot drift from what works. Install blocks are found by the
 * bold words of their paragraph (`installBlock`), the others by their section (`sectionBlock`).
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

/** The blocks outside Install, by section: the test that runs each, or why none can. */
const SECTION_RUN_BY: ReadonlyArray<{ section: string; pattern: RegExp; by: string }> = [
  { section: 'Your first inventory', pattern: /check -i inventory\.yaml/, by: 'test/readme-blocks.test.ts' },
  { section: 'Before install', pattern: /respond -i/, by: 'test/real/readme-before-install.test.ts' },
  { section: 'Before install', pattern: /merge -i/, by: 'test/readme-blocks.test.ts' },
  { section: 'Scheduled runs', pattern: /check -i \/etc\/psm-netcheck/, by: 'test/readme-blocks.test.ts' },
];

const SECTION_NOT_RUNNABLE: ReadonlyArray<{ section: string; pattern: RegExp; why: string }> = [
  {
    section: 'Quick start',
    pattern: /npm run demo/,
    why: 'checked by the test below: npm ci is CI\'s first step, test/demo.test.ts runs the demo, npm test is CI\'s test step',
  },
  {
    section: 'Scheduled runs',
    pattern: /systemctl enable/,
    why: 'needs systemd as PID 1: test/release/packages.test.ts installs the units from the .deb, test/systemd-units.test.ts runs their ExecStart lines through the CLI',
  },
];

describe('README commands', () => {
  it('outside Install, are each run by a test, or say why they cannot be', () => {
    const blocks = allBlocks().filter((block) => block.section !== 'Install');
    expect(blocks.length).toBeGreaterThan(3);
    for (const block of blocks) {
      const run = SECTION_RUN_BY.filter((entry) => block.section === entry.section && entry.pattern.test(block.script));
      const excused = SECTION_NOT_RUNNABLE.filter((entry) => block.section === entry.section && entry.pattern.test(block.script));
      expect(run.length + excused.length, `README block in "${block.section}":\n${block.script}`).toBe(1);
      for (const entry of run) expect(readFileSync(path.join(ROOT, entry.by), 'utf8')).toContain(`sectionBlock('${entry.section}'`);
    }
  });

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

describe('README links', () => {
  it('point to files that exist, and the text speaks of the vendor\'s tables, never of a "seed"', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)].map((match) => match[1] ?? '').filter((target) => !/^[a-z]+:/.test(target));
    expect(targets.length).toBeGreaterThan(5);
    for (const target of targets) expect(existsSync(path.join(ROOT, target)), target).toBe(true);
    expect(readme).not.toMatch(/\bseed\b/i);
    expect(readme).toContain("the vendor's port tables (PSM Networking Considerations, Tables 1-8)");
    // A reader of the first screen finds both quick-start commands and the Install section.
    expect(readme.split('\n').length).toBeLessThanOrEqual(260);
    expect(readme.indexOf('## Install')).toBeLessThan(readme.indexOf('## Your first inventory'));
  });
});
