/**
 * Where the lab listens. Without root it cannot bind ports below 1024, and the vendor's other
 * ports (3306, 8080, 9000, 2024...) are often taken on a developer's machine by real services
 * bound to the wildcard address, which blocks every 127.x address too. So by default every keyed
 * port moves up by 20000 (SSH 22 -> 20022, NETCONF 830 -> 20830, MySQL 3306 -> 23306) and the
 * inventory's `ports:` overrides say so. Ports without a port key (3021, 3082, 1620) cannot be
 * overridden in an inventory, so they stay on the vendor's numbers (all above 1024).
 * Everything stays below Linux's ephemeral range (32768-60999), so no client socket takes them.
 */

export const LAB_PORT_OFFSET = 20_000;

export interface PortMapping {
  /** The port the lab binds for a keyed well-known port. */
  port(wellKnown: number): number;
  /** The port the lab binds for a port that has no key (the inventory cannot move it). */
  fixed(wellKnown: number): number;
  /**
   * A short range standing for a long one (9999-10100 would be 102 listeners per host): its first
   * `count` ports, moved like single ports.
   */
  range(from: number, count: number): readonly [number, number];
  /**
   * Where traceroute's UDP ports (33434-33436) point. Nothing listens there; the lab moves them
   * below the ephemeral range so that no client socket bound to the wildcard can catch them.
   */
  readonly traceroute: readonly [number, number];
}

/** `realPorts`: bind the vendor's ports as they are (root, e.g. inside a network namespace). */
export function portMapping(realPorts: boolean): PortMapping {
  const port = (wellKnown: number): number => (realPorts ? wellKnown : wellKnown + LAB_PORT_OFFSET);
  return {
    port,
    fixed: (wellKnown) => wellKnown,
    range: (from, count) => [port(from), port(from) + count - 1],
    traceroute: realPorts ? [33434, 33436] : [23434, 23436],
  };
}

/** Every port of an inclusive range. */
export function portsOf(range: readonly [number, number]): number[] {
  const ports: number[] = [];
  for (let port = range[0]; port <= range[1]; port++) ports.push(port);
  return ports;
}
