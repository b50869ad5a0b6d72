import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './release.js';

/**
 * The shell blocks of the README's Install section, so that tests run them as written. A block
 * belongs to the paragraph before it, named by that paragraph's bold lead ("Release tarball.").
 */

export interface ReadmeBlock {
  /** The bold words that start the paragraph above the block. */
  readonly under: string;
  /** The block's text, as a shell runs it. */
  readonly script: string;
}

export function installBlocks(): ReadmeBlock[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Install\n');
  if (start < 0) throw new Error('README.md has no "## Install" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks: ReadmeBlock[] = [];
  let under = '';
  const pattern = /^\*\*([^*]+)\*\*|^```sh\n([\s\S]*?)^```$/gm;
  for (const match of section.matchAll(pattern)) {
    if (match[1] !== undefined) under = match[1].replace(/[.:]$/, '');
    else blocks.push({ under, script: match[2] ?? '' });
  }
  return blocks;
}

/** The one block under the paragraph that starts with `lead` whose text matches `pattern`. */
export function installBlock(lead: string, pattern: RegExp = /./): ReadmeBlock {
  const found = installBlocks().filter((block) => block.under.startsWith(lead) && pattern.test(block.script));
  if (found.length !== 1) throw new Error(`README.md Install: expected one block under "${lead}" matching ${pattern}, found ${found.length}`);
  return found[0] as ReadmeBlock;
}

/** The README's first code block: the quick start. */
export function quickStart(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
}

/** A shell or crontab block anywhere in the README, with the `## ` section it sits in. */
export interface SectionBlock extends ReadmeBlock {
  /** The title of the `## ` section that holds the block. */
  readonly section: string;
  /** The fence's language: `sh` or `crontab`. */
  readonly lang: 'sh' | 'crontab';
}

/** Every `sh` and `crontab` block of the README, in order. */
export function allBlocks(): SectionBlock[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks: SectionBlock[] = [];
  let section = '';
  let under = '';
  const pattern = /^## (.+)$|^\*\*([^*]+)\*\*|^```(sh|crontab)\n([\s\S]*?)^```$/gm;
  for (const match of readme.matchAll(pattern)) {
    if (match[1] !== undefined) {
      section = match[1].trim();
      under = '';
    } else if (match[2] !== undefined) under = match[2].replace(/[.:]$/, '');
    else blocks.push({ section, under, lang: match[3] as 'sh' | 'crontab', script: match[4] ?? '' });
  }
  return blocks;
}

/** The one block of a `## ` section whose text matches `pattern`: what a test runs as written. */
export function sectionBlock(section: string, pattern: RegExp = /./): SectionBlock {
  const found = allBlocks().filter((block) => block.section === section && pattern.test(block.script));
  if (found.length !== 1) throw new Error(`README.md "${section}": expected one block matching ${pattern}, found ${found.length}`);
  return found[0] as SectionBlock;
}
