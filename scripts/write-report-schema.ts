import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportSchemaText } from '../src/report/schema.js';
import { writeAtomically } from '../src/report/write-atomic.js';

/**
 * Writes schemas/report.schema.json from src/report/schema.ts. Run after a build:
 * `npx tsc -p . && node dist/scripts/write-report-schema.js`. A test checks that the committed
 * file equals what this writes.
 */

/** The package root, found from this file so that it works from scripts/ and from dist/scripts/. */
function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('package.json not found above this script');
    directory = parent;
  }
  return directory;
}

const target = join(packageRoot(), 'schemas', 'report.schema.json');
await writeAtomically(target, reportSchemaText());
console.log(`wrote ${target}`);
