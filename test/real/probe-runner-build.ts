import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../support/process.js';

/**
 * Compiles test/real/probe-runner.ts (and the probes it imports) with the project's tsconfig into
 * `dir`, so that the runner can be started with plain `node` inside a lab namespace. Returns the
 * path of the compiled runner. Type errors elsewhere in the tree do not stop the emit.
 */
export async function buildProbeRunner(dir: string): Promise<string> {
  const repo = process.cwd();
  const out = join(dir, 'out');
  const config = {
    extends: join(repo, 'tsconfig.json'),
    compilerOptions: {
      outDir: out,
      rootDir: repo,
      noEmit: false,
      sourceMap: false,
      typeRoots: [join(repo, 'node_modules/@types')],
    },
    include: [],
    files: [join(repo, 'test/real/probe-runner.ts'), join(repo, 'probes/lib/raw-socket.d.ts')],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
  const result = await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], {
    timeoutMs: 180_000,
  });
  const runner = join(out, 'test/real/probe-runner.js');
  if (!existsSync(runner)) throw new Error(`tsc did not emit the probe runner:\n${result.stdout}${result.stderr}`);
  // Bare imports (ssh2, zod...) resolve from the repo's node_modules; the files are ESM like the repo's.
  symlinkSync(join(repo, 'node_modules'), join(out, 'node_modules'));
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string };
  writeFileSync(join(out, 'package.json'), JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module' }));
  return runner;
}
