/**
 * How many TCP connections the responder keeps open, and for whom. One shared cap let 300 idle
 * connections from an address outside the inventory starve the signed probes of real peers (a
 * false `responder-silent`). So every source address has a cap of its own, and sources outside
 * the inventory share a small pool of the total, so the rest is always left for inventory peers.
 *
 * Outsiders are not refused outright: a peer behind NAT arrives from an address the inventory does
 * not know, and the token in its request is what proves it (docs/responder.md); refusing it would
 * turn the NAT the responder exists to detect into a silent port. They get a shorter deadline
 * for their request line instead.
 */
export interface ConnectionLimits {
  /** All connections at once. @default 256 */
  readonly total: number;
  /** Connections at once from one inventory address (a prober runs 4 per host by default). @default 32 */
  readonly perInventorySource: number;
  /** Connections at once from one address outside the inventory. @default 4 */
  readonly perOutsideSource: number;
  /** Connections at once from all addresses outside the inventory together. @default 32 */
  readonly outside: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { total: 256, perInventorySource: 32, perOutsideSource: 4, outside: 32 };

export class ConnectionBudget {
  readonly #limits: ConnectionLimits;
  readonly #bySource = new Map<string, number>();
  #total = 0;
  #outside = 0;

  constructor(limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS) {
    this.#limits = limits;
  }

  /** A slot for a new connection from `source`, with its release; undefined when over a cap. */
  admit(source: string, inInventory: boolean): (() => void) | undefined {
    const fromSource = this.#bySource.get(source) ?? 0;
    const perSource = inInventory ? this.#limits.perInventorySource : this.#limits.perOutsideSource;
    if (this.#total >= this.#limits.total || fromSource >= perSource) return undefined;
    if (!inInventory && this.#outside >= this.#limits.outside) return undefined;
    this.#total++;
    if (!inInventory) this.#outside++;
    this.#bySource.set(source, fromSource + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      if (!inInventory) this.#outside--;
      const left = (this.#bySource.get(source) ?? 1) - 1;
      if (left === 0) this.#bySource.delete(source);
      else this.#bySource.set(source, left);
    };
  }
}
