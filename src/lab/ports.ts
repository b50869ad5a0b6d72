import type { PortSpec } from '../matrix/types.js';

/**
 * Where the lab listens. Without root it cannot bind ports below 1024, and the vendor's other
 * ports (3306, 8080, 9000, 2024...) are often taken on a developer's machine by real services
 * bound to the wildcard address, which blocks every 127.x address too. So by default every keyed
 * port moves up by 20000 (SSH 22 -> 20022, NETCONF 830 -> 20830, MySQL 3306 -> 23306) and the
 * inventory's `ports:` overrides say so. Ports without a port key (3021, 3082, 1620) cannot be
 * overridden in an inventory, so they stay on the vendor's numbers (all above 1024).
 * Everything stays below Linux's ephemeral range (32768-60999), so no client socket takes them:
 * a keyed port that 20000 up would land there moves 10000 down instead (traceroute's 33434-33436
 * -> 23434-23436).
 */

export const LAB_PORT_OFFSET = 20_000;
/** Linux's default ip_local_port_range starts here; the lab binds nothing at or above it. */
const EPHEMERAL_FIRST = 32_768;
const DOWN_OFFSET = 10_000;
/**
 * A long range stands as its first few ports (9999-10100 would be 102 listeners per host): enough
 * to show a range is probed port by port, few enough for thousands of elements.
 */
export const LAB_RANGE_PORTS = 3;

export interface PortMapping {
  /** The port the lab uses for a keyed well-known port. */
  port(wellKnown: number): number;
  /** The inventory override for a keyed port or range: moved, and a long range shortened. */
  override(wellKnown: PortSpec): number | readonly [number, number];
}

/** `realPorts`: bind the vendor's ports as they are (root, e.g. inside a network namespace). */
export function portMapping(realPorts: boolean): PortMapping {
  const port = (wellKnown: number): number => {
    if (realPorts) return wellKnown;
    const moved = wellKnown + LAB_PORT_OFFSET < EPHEMERAL_FIRST ? wellKnown + LAB_PORT_OFFSET : wellKnown - DOWN_OFFSET;
    if (moved < 1024 || moved >= EPHEMERAL_FIRST) throw new Error(`lab: no unprivileged port below ${EPHEMERAL_FIRST} stands for port ${wellKnown}`);
    return moved;
  };
  return {
    port,
    override(wellKnown) {
      if (typeof wellKnown === 'number') return port(wellKnown);
      const from = port(wellKnown.from);
      return [from, from + Math.min(LAB_RANGE_PORTS, wellKnown.to - wellKnown.from + 1) - 1];
    },
  };
}
