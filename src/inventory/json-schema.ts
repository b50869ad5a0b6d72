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
  return { $schema, $id: INVENTORY_SCHEMA_ID, title: 'psm-netcheck inventory', ...rest };
}
