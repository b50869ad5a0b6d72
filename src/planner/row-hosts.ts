import type { MatrixRow, PortSpec } from '../matrix/types.js';
import type { Host } from '../inventory/types.js';

/**
 * What the row filter reads of a host: its roles, NE type, optional services and port overrides.
 * The planner passes inventory hosts; the lab (src/lab) passes its simulated devices, so the two
 * decide who serves which row with the same code.
 */
export type RowHost = Pick<Host, 'roles' | 'neType' | 'services' | 'ports'>;

/**
 * The inventory hosts that play one side of a matrix row: the row's role, its NE types when that
 * side is a network element, and its optional service when the condition sits on that side.
 * Shared by the planner (who probes whom) and the listening-port list (who must listen where).
 */
export function hostsForRow<H extends RowHost>(inventory: { readonly hosts: readonly H[] }, row: MatrixRow, side: 'initiator' | 'responder'): H[] {
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
export function portSpecFor(spec: PortSpec, key: MatrixRow['ports'][number]['portKey'], host: Pick<RowHost, 'ports'>): PortSpec {
  const override = key === undefined ? undefined : host.ports[key];
  if (override === undefined) return spec;
  return typeof override === 'number' ? override : { from: override[0], to: override[1] };
}
