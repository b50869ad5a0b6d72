import { EXIT, NetcheckError } from '../../core/errors.js';
import { inventoryJsonSchema } from '../../inventory/json-schema.js';
import { coverageSchemaText } from '../../merge/schema.js';
import { reportSchemaText } from '../../report/schema.js';
import { rulesSchemaText } from '../../rules/schema.js';

/** `psm-netcheck schema [inventory|report|coverage|rules]`: the JSON Schemas also committed under schemas/. */
export function schemaCommand(which: string): number {
  if (which === 'inventory') process.stdout.write(`${JSON.stringify(inventoryJsonSchema(), null, 2)}\n`);
  else if (which === 'report') process.stdout.write(reportSchemaText());
  else if (which === 'coverage') process.stdout.write(coverageSchemaText());
  else if (which === 'rules') process.stdout.write(rulesSchemaText());
  else throw new NetcheckError('E_USAGE', `schema ${JSON.stringify(which)}: expected "inventory", "report", "coverage" or "rules" (see psm-netcheck schema --help)`);
  return EXIT.ok;
}
