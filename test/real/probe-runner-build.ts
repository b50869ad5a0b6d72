import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The compiled probe runner (test/real/probe-runner.ts), started with plain `node` inside a lab
 * namespace. `npm test` builds the project first (the "pretest" script), dist/ included.
 */
export function probeRunnerPath(): string {
  const runner = join(process.cwd(), 'dist/test/real/probe-runner.js');
  if (!existsSync(runner)) throw new Error(`${runner} is missing: run \`npm run build\` (npm test does it first)`);
  return runner;
}
