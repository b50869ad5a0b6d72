import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inventoryJsonSchema } from '../src/inventory/json-schema.js';

/**
 * Writes the committed JSON Schemas from their zod sources. Run after a build:
 * `npm run schemas` (= `node dist/scripts/write-schemas.js`). A test fails when a committed file
 * differs from what this would write, so the files cannot go stale unnoticed.
 */

/** The repository root, whether this runs from scripts/ (source) or dist/scripts/ (built). */
function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.replace(/\/(dist\/)?scripts\/?$/, '');
}

export const SCHEMA_FILES: Readonly<Record<string, () => unknown>> = {
  'schemas/inventory.schema.json': inventoryJsonSchema,
};

/** File content for a schema: stable two-space JSON with a final newline. */
export function schemaFileText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

for (const [file, generate] of Object.entries(SCHEMA_FILES)) {
  const path = `${repoRoot()}/${file}`;
  writeFileSync(path, schemaFileText(generate()));
  console.log(`wrote ${path}`);
}
