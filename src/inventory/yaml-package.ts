import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let loaded: typeof Yaml | undefined;

/**
 * The `yaml` package, loaded on first use. Only the slow path of the inventory loader needs it (to
 * locate errors; see ./fast-parse.ts), and importing it costs tens of milliseconds that a valid
 * inventory should not pay. It is loaded with `require` because parseInventory() is synchronous
 * and a dynamic import() is not; on Node, `yaml` is a CommonJS package either way (its "node"
 * export), so this is the very module instance that `import ... from 'yaml'` elsewhere gets.
 */
export function yamlPackage(): typeof Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return loaded;
}
