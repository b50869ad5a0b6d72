import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/**
 * Compare a formatter's output with test/fixtures/golden/<name>. `UPDATE_GOLDEN=1 npx vitest run
 * test/report` rewrites the files instead; review their diff before committing.
 */
export function expectGolden(name: string, actual: string): void {
  const file = fileURLToPath(new URL(`../fixtures/golden/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`golden file ${name} is missing: run UPDATE_GOLDEN=1 npx vitest run test/report`);
  }
  expect(actual, `output differs from golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`).toBe(
    readFileSync(file, 'utf8'),
  );
}
