import { NetcheckError } from '../core/errors.js';
import type { Host, Inventory } from '../inventory/types.js';

/**
 * `--via-responder HOST...`: hosts where PSM is not installed yet and `psm-netcheck respond`
 * runs. Checked before any packet: known hosts, not the vantage, and a readable shared token.
 */
export function parseViaResponder(inventory: Inventory, vantage: Host, names: readonly string[] | undefined): string[] | undefined {
  if (names === undefined || names.length === 0) return undefined;
  for (const name of names) {
    if (!inventory.hosts.some((host) => host.name === name)) {
      const known = inventory.hosts.map((host) => host.name).join(', ');
      throw new NetcheckError('E_USAGE', `--via-responder ${name}: no such host in ${inventory.source} (hosts: ${known})`);
    }
    if (name === vantage.name) {
      throw new NetcheckError('E_USAGE', `--via-responder ${name}: that is the vantage itself; name the hosts that run \`psm-netcheck respond\``);
    }
  }
  if (inventory.responder === undefined) {
    throw new NetcheckError(
      'E_USAGE',
      '--via-responder needs a shared token: add `responder: { token: { env: VARIABLE } }` to the inventory (docs/responder.md)',
    );
  }
  if (inventory.responder.token === undefined) {
    throw new NetcheckError('E_INVENTORY', `responder.token: cannot read the ${inventory.responder.tokenSource}`);
  }
  return [...new Set(names)];
}
