import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coverageSchemaText } from '../src/merge/schema.js';
import { reportSchemaText } from '../src/report/schema.js';
import { rulesSchemaText } from '../src/rules/schema.js';
import { writeAtomically } from '../src/report/write-atomic.js';

/**
 * Writes schemas/report.schema.json from src/report/schema.ts, and schemas/coverage.schema.json
 * (the merged report of `psm-netcheck merge`) from src/merge/schema.ts, and schemas/rules.schema.json
 * (`psm-netcheck rules -f json`) from src/rules/schema.ts. Run after a build:
 * `npx tsc -p . && node dist/scripts/write-report-schema.js`. Tests check that the committed
 * files equal what this writes.
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

for (const [name, text] of [['report.schema.json', reportSchemaText()], ['coverage.schema.json', coverageSchemaText()], ['rules.schema.json', rulesSchemaText()]] as const) {
  const target = join(packageRoot(), 'schemas', name);
  await writeAtomically(target, text);
  console.log(`wrote ${target}`);
}
