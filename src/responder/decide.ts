import type { Secret } from '../core/secret.js';
import type { Inventory } from '../inventory/types.js';
import {
  buildAnswer,
  buildDeny,
  normalizeAddress,
  parseRequest,
  verifyRequest,
  type DenyCode,
} from '../../probes/protocols/responder/protocol.js';

/** One side of an exchange as a socket reports it. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export type ResponderEventKind = 'answered' | 'denied' | 'ignored';

/** What the responder did with one request, for its log. */
export interface ResponderEvent {
  readonly kind: ResponderEventKind;
  readonly transport: 'tcp' | 'udp';
  readonly local: Endpoint;
  readonly peer: Endpoint;
  /** The inventory name the request gave (verified requests only). */
  readonly name?: string;
  /** True when the peer's address is not one of that host's inventory addresses: NAT in the path. */
  readonly nat?: boolean;
  /** Why it was denied or ignored. */
  readonly code?: DenyCode | 'answer-larger-than-request' | 'name-too-long';
}

/** The inventory as the responder needs it: who its peers are. */
export class PeerBook {
  readonly #addresses = new Set<string>();
  readonly #byName = new Map<string, ReadonlySet<string>>();

  constructor(inventory: Inventory) {
    for (const host of inventory.hosts) {
      const addresses = new Set(host.addresses.map(normalizeAddress));
      this.#byName.set(host.name, addresses);
      for (const address of addresses) this.#addresses.add(address);
    }
  }

  /** True when some inventory host has this address (IP literals only: names are not resolved). */
  isInventoryAddress(address: string): boolean {
    return this.#addresses.has(normalizeAddress(address));
  }

  addressesOf(name: string): ReadonlySet<string> | undefined {
    return this.#byName.get(name);
  }
}

/**
 * Nonces already answered, so that a captured request cannot be replayed (over UDP, with a forged
 * source, it would make the responder send to a victim). Bounded: the oldest are forgotten first.
 */
export class ReplayGuard {
  readonly #seen = new Set<string>();

  constructor(private readonly capacity = 65_536) {}

  /** True when the nonce was seen before; records it otherwise. */
  replayed(nonce: string): boolean {
    if (this.#seen.has(nonce)) return true;
    this.#seen.add(nonce);
    if (this.#seen.size > this.capacity) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    return false;
  }
}

export interface DecideContext {
  readonly token: Secret;
  /** This responder's inventory name. */
  readonly name: string;
  readonly peers: PeerBook;
  readonly replay: ReplayGuard;
}

/**
 * The responder's rules for one request:
 * - a request with a valid MAC that names an inventory host gets an answer carrying the source
 *   address and port seen (from any address: behind NAT the source is not the host's own, and
 *   the token is what proves the peer);
 * - anything else gets a DENY line when it comes from an inventory address (to tell a token
 *   mismatch from a firewall), and nothing at all otherwise;
 * - no reply is ever longer than the request it answers.
 */
export function decide(
  data: Buffer,
  transport: 'tcp' | 'udp',
  local: Endpoint,
  peer: Endpoint,
  context: DecideContext,
): { readonly reply?: Buffer; readonly event: ResponderEvent } {
  const base = { transport, local, peer };
  const fromInventory = context.peers.isInventoryAddress(peer.address);
  const refuse = (code: DenyCode) => {
    if (!fromInventory) return bounded(undefined, { ...base, kind: 'ignored', code }, data);
    return bounded(buildDeny(code), { ...base, kind: 'denied', code }, data);
  };
  const request = parseRequest(data);
  if (request === undefined) return refuse('malformed');
  if (!verifyRequest(context.token, request)) return refuse('bad-mac');
  const known = context.peers.addressesOf(request.from);
  if (known === undefined) return refuse('unknown-peer');
  if (context.replay.replayed(request.nonce)) return refuse('replay');
  const answer = buildAnswer(context.token, request.nonce, {
    responder: context.name,
    seenAddress: peer.address,
    seenPort: peer.port,
    localAddress: local.address,
    localPort: local.port,
  });
  if (answer === undefined) return { event: { ...base, kind: 'ignored', code: 'name-too-long' } };
  const nat = !known.has(normalizeAddress(peer.address));
  return bounded(answer, { ...base, kind: 'answered', name: request.from, nat }, data);
}

/** The amplification rule: a reply longer than its request is not sent. */
function bounded(
  reply: Buffer | undefined,
  event: ResponderEvent,
  request: Buffer,
): { readonly reply?: Buffer; readonly event: ResponderEvent } {
  if (reply === undefined) return { event };
  if (reply.length > request.length) return { event: { ...event, kind: 'ignored', code: 'answer-larger-than-request' } };
  return { reply, event };
}
