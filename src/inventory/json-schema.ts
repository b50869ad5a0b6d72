import { z } from 'zod';
import { inventoryFileSchema } from './schema.js';

export const INVENTORY_SCHEMA_ID = 'urn:psm-netcheck:schema:inventory';

/**
 * JSON Schema (draft 2020-12) of the inventory's YAML form, for editors (yaml-language-server) and
 * other tools. It describes the input side: durations and port ranges as the user writes them.
 * Rules between fields (role/roles, neType, credential references) are checked by the loader only.
 */
export function inventoryJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(inventoryFileSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  // $schema first, then our identity, then the rest, so the file reads top-down.
  const { $schema, ...rest } = schema;
  return hostsOrHostsFrom({ $schema, $id: INVENTORY_SCHEMA_ID, title: 'psm-netcheck inventory', ...rest });
}

/**
 * The loader validates `hosts` after appending the CSV files' rows (./hosts-from.ts), so the YAML
 * itself may leave `hosts` out or empty when `hostsFrom` is there. The generated schema, read from
 * the validated form, would reject such a file in an editor: here it asks for at least one host,
 * or a `hostsFrom`.
 */
function hostsOrHostsFrom(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  const { minItems, ...hosts } = properties.hosts ?? {};
  return {
    ...schema,
    properties: { ...properties, hosts },
    required: (schema.required as string[]).filter((key) => key !== 'hosts'),
    anyOf: [{ required: ['hosts'], properties: { hosts: { minItems } } }, { required: ['hostsFrom'] }],
  };
}
