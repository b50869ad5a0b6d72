import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * No container engine runs here or in CI, so the Dockerfile is checked by reading it: that the
 * build context it copies exists and is not ignored, that it builds the way CI builds, and that
 * the image runs the CLI that package.json publishes.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  /** Index of the stage (FROM) the instruction belongs to. */
  readonly stage: number;
}

/** Dockerfile instructions: comments dropped, backslash continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') continue;
    pending += `${line.replace(/\\$/, '').trim()} `;
    if (line.endsWith('\\')) continue;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(pending.trim()) ?? [];
    pending = '';
    if (keyword.toUpperCase() === 'FROM') stage++;
    instructions.push({ keyword: keyword.toUpperCase(), args, stage });
  }
  return instructions;
}

/** `COPY [--flag=...] src... dest` or the JSON array form. */
function parseCopy(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const rest = words.filter((word) => !word.startsWith('--')).join(' ');
  const parts = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  return { ...(from === undefined ? {} : { from }), sources: parts.slice(0, -1), dest: parts.at(-1) ?? '' };
}

/** Exec form `["node", "x.js"]` or shell form. */
function commandWords(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
}

/**
 * Whether .gitignore excludes a path (or a directory above it). Covers the patterns this
 * repository uses: `name`, `name/`, `/anchored`, `*` globs; a negation would need more, so it fails.
 */
function gitignored(path: string): boolean {
  const patterns = read('.gitignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (patterns.some((pattern) => pattern.startsWith('!'))) throw new Error('.gitignore negations: extend gitignored() in this test');
  const segments = path.split('/');
  return patterns.some((pattern) => {
    const anchored = pattern.startsWith('/') || pattern.replace(/\/$/, '').includes('/');
    const body = new RegExp(`^${pattern.replace(/^\//, '').replace(/\/$/, '').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    for (let depth = 1; depth <= segments.length; depth++) {
      const prefix = segments.slice(0, depth).join('/');
      if (anchored ? body.test(prefix) : body.test(segments[depth - 1] ?? '')) return true;
    }
    return false;
  });
}

function typeScriptFiles(directory: string): string[] {
  return readdirSync(join(ROOT, directory), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(directory, file));
}

/** Module specifiers a file imports, and whether only for types (erased at build). */
function importsOf(text: string): { specifier: string; typeOnly: boolean }[] {
  const found: { specifier: string; typeOnly: boolean }[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)(\s+type)?\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g)) {
    found.push({ specifier: match[2] ?? '', typeOnly: match[1] !== undefined });
  }
  // Side-effect imports, dynamic imports, require() and createRequire(...)('name').
  const runtime = /(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bcreateRequire\([^)]*\)\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of text.matchAll(runtime)) {
    found.push({ specifier: match[1] ?? match[2] ?? match[3] ?? match[4] ?? '', typeOnly: false });
  }
  return found;
}

const instructions = parseDockerfile(read('Dockerfile'));
const stages = instructions.filter((i) => i.keyword === 'FROM');
const finalStage = stages.length - 1;
const copies = instructions.flatMap((i, index) => (i.keyword === 'COPY' ? [{ ...parseCopy(i.args), stage: i.stage, index }] : []));
const contextSources = copies.filter((copy) => copy.from === undefined).flatMap((copy) => copy.sources);
const runs = instructions.flatMap((i, index) =>
  i.keyword === 'RUN' ? [{ ...i, index, commands: i.args.split(/&&|;/).map((command) => command.trim()) }] : [],
);
const pkg = JSON.parse(read('package.json')) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** What npm ci installs and npm prune --omit=dev keeps: optional dependencies (raw-socket) included. */
const runtimeDependencies = { ...pkg.dependencies, ...pkg.optionalDependencies };

describe('Dockerfile', () => {
  it('builds in stages on the official Node 20 image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of stages) expect(from.args).toMatch(/^node:20-[a-z0-9.-]+(\s+AS\s+\S+)?$/i);
  });

  it('reads .gitignore as git does for the patterns it uses', () => {
    expect(gitignored('dist')).toBe(true);
    expect(gitignored('node_modules/pino')).toBe(true);
    // .ci/run's results of its two passes (public APIs only, and PSM_NETCHECK_INTERNALS=1).
    expect(gitignored('.ci/test-results-public.json')).toBe(true);
    expect(gitignored('.ci/test-results-internals.json')).toBe(true);
    expect(gitignored('src')).toBe(false);
    expect(gitignored('package-lock.json')).toBe(false);
  });

  it('copies only files that exist in the repository and that git does not ignore', () => {
    expect(contextSources.length).toBeGreaterThan(0);
    for (const source of contextSources) {
      const path = source.replace(/^\.\//, '').replace(/\/$/, '');
      expect(existsSync(join(ROOT, path)), `COPY ${source}: no such file`).toBe(true);
      expect(gitignored(path), `COPY ${source}: ignored by .gitignore, so absent from a clean clone`).toBe(false);
    }
  });

  it('copies everything the build compiles: each source file imports only copied files and, at run time, production dependencies', () => {
    const copiedDirectories = contextSources
      .map((source) => source.replace(/^\.\//, '').replace(/\/$/, ''))
      .filter((path) => statSync(join(ROOT, path)).isDirectory());
    expect(copiedDirectories).toEqual(expect.arrayContaining(['src', 'probes']));
    const builtins = new Set(builtinModules);
    const seen = new Set<string>();
    for (const file of copiedDirectories.flatMap(typeScriptFiles)) {
      for (const { specifier, typeOnly } of importsOf(read(file))) {
        seen.add(specifier);
        if (specifier.startsWith('.')) {
          const target = relative(ROOT, resolve(ROOT, dirname(file), specifier.replace(/\.js$/, '.ts')));
          expect(existsSync(join(ROOT, target)), `${file} imports ${specifier}: no ${target}`).toBe(true);
          expect(copiedDirectories.some((directory) => target.startsWith(`${directory}/`)), `${file} imports ${target}, which the image does not copy`).toBe(true);
        } else if (!typeOnly && !specifier.startsWith('node:') && !builtins.has(specifier)) {
          const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');
          // scripts/ are build tools (schemas, the release bundle): compiled in the image, never run there.
          const allowed = file.startsWith('scripts/') ? { ...runtimeDependencies, ...pkg.devDependencies } : runtimeDependencies;
          expect(allowed, `${file} imports ${specifier} at run time: it must be a production dependency`).toHaveProperty([name]);
        }
      }
    }
    // The scan itself works: it sees the CLI's lazy command imports and static imports, and a
    // createRequire()d CommonJS module (none is loaded that way only, so the scanner is shown one).
    expect(seen).toContain('./commands/check.js');
    expect(seen).toContain('commander');
    expect(importsOf("const lib = createRequire(import.meta.url)('some-cjs') as Lib;")).toEqual([{ specifier: 'some-cjs', typeOnly: false }]);
  });

  it('installs with npm ci and builds with the same command as CI, then keeps production dependencies only', () => {
    const ci = read('.ci/run').split('\n').map((line) => line.trim());
    const buildCommand = ci.find((line) => /^npm run build\b/.test(line));
    expect(buildCommand).toBe('npm run build');
    expect(ci.some((line) => /^npm ci\b/.test(line))).toBe(true);

    const buildRun = runs.find((run) => run.commands.includes(buildCommand ?? ''));
    expect(buildRun, `no RUN ${buildCommand}`).toBeDefined();
    const install = runs.find((run) => run.commands.some((command) => /^npm ci\b/.test(command)));
    expect(install).toBeDefined();
    expect(runs.some((run) => run.commands.some((command) => /^npm install\b/.test(command)))).toBe(false);
    // The lockfile is in the build context before `npm ci` reads it.
    const lockCopy = copies.find((copy) => copy.from === undefined && copy.sources.includes('package-lock.json'));
    expect(lockCopy?.index ?? Infinity).toBeLessThan(install?.index ?? -1);

    // Dev dependencies are dropped in the build stage, and the final stage copies its node_modules.
    const buildStage = buildRun?.stage ?? -1;
    expect(buildStage).toBeLessThan(finalStage);
    expect(runs.some((run) => run.stage === buildStage && run.commands.some((command) => /^npm (prune|ci)\b.*--omit=dev/.test(command)))).toBe(true);
    const stageName = /\s+AS\s+(\S+)$/i.exec(stages[buildStage]?.args ?? '')?.[1];
    const runtimeCopies = copies.filter((copy) => copy.stage === finalStage && copy.from === stageName);
    expect(runtimeCopies.flatMap((copy) => copy.sources)).toEqual(expect.arrayContaining(['/app/node_modules', '/app/dist']));
    // The final stage installs no npm packages of its own.
    expect(runs.some((run) => run.stage === finalStage && /\bnpm\b/.test(run.args))).toBe(false);
  });

  it('runs as a non-root user, with the CLI that package.json publishes as its entrypoint', () => {
    const users = instructions.filter((i) => i.keyword === 'USER' && i.stage === finalStage);
    const user = users.at(-1)?.args.split(':')[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const entrypoint = instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
    expect(entrypoint?.stage).toBe(finalStage);
    const words = commandWords(entrypoint?.args ?? '');
    expect(words[0]).toBe('node');
    const workdir = instructions.filter((i) => i.keyword === 'WORKDIR' && i.stage === finalStage).at(-1)?.args ?? '/';
    const bin = pkg.bin['psm-netcheck'];
    expect(bin).toBe('dist/src/cli/main.js');
    expect(words[1]).toBe(`${workdir.replace(/\/$/, '')}/${bin}`);
    // dist/ and package.json (src/core/version.ts reads the version from it) are in the final stage.
    const finalSources = copies.filter((copy) => copy.stage === finalStage).flatMap((copy) => copy.sources);
    expect(finalSources).toEqual(expect.arrayContaining(['/app/dist', 'package.json']));
    expect(workdir).toBe('/app');
  });

  it('declares the inventory and report paths as volumes, and documents NET_RAW for ICMP', () => {
    const volumes = instructions.filter((i) => i.keyword === 'VOLUME').flatMap((i) => commandWords(i.args));
    expect(volumes).toEqual(expect.arrayContaining(['/etc/psm-netcheck', '/var/lib/psm-netcheck']));
    expect(read('Dockerfile')).toMatch(/--cap-add NET_RAW/);
  });
});
