import { EXIT, NetcheckError } from '../../core/errors.js';
import { inventoryJsonSchema } from '../../inventory/json-schema.js';
import { reportSchemaText } from '../../report/schema.js';

/** `psm-netcheck schema [inventory|report]`: the JSON Schemas also committed under schemas/. */
export function schemaCommand(which: string): number {
  if (which === 'inventory') process.stdout.write(`${JSON.stringify(inventoryJsonSchema(), null, 2)}\n`);
  else if (which === 'report') process.stdout.write(reportSchemaText());
  else throw new NetcheckError('E_USAGE', `schema ${JSON.stringify(which)}: expected "inventory" or "report"`);
  return EXIT.ok;
}
