import type { MatrixRow, PortSpec } from '../matrix/types.js';
import type { Host, Inventory } from '../inventory/types.js';

/**
 * The inventory hosts that play one side of a matrix row: the row's role, its NE types when that
 * side is a network element, and its optional service when the condition sits on that side.
 * Shared by the planner (who probes whom) and the listening-port list (who must listen where).
 */
export function hostsForRow(inventory: Inventory, row: MatrixRow, side: 'initiator' | 'responder'): Host[] {
  const role = row[side];
  const conditionHere = row.condition !== undefined && (row.conditionOn ?? 'responder') === side;
  return inventory.hosts.filter(
    (h) =>
      h.roles.includes(role) &&
      (role !== 'network-element' || row.neTypes === undefined || (h.neType !== undefined && row.neTypes.includes(h.neType))) &&
      (!conditionHere || (row.condition !== undefined && h.services.includes(row.condition))),
  );
}

/** A row's port on one host: the host's override for the port key, else the matrix's port. */
export function portSpecFor(spec: PortSpec, key: MatrixRow['ports'][number]['portKey'], host: Host): PortSpec {
  const override = key === undefined ? undefined : host.ports[key];
  if (override === undefined) return spec;
  return typeof override === 'number' ? override : { from: override[0], to: override[1] };
}
