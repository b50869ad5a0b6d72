import type { TransportState } from './model.js';
import type { TransportReason } from './transport-reasons.js';

export interface Classified {
  readonly state: TransportState;
  readonly reason: TransportReason;
}

/**
 * What a socket error code means for a path, after nmap's connect-scan mapping
 * (see shared notes, "TCP connect"): refused -> closed; unreachable/prohibited/timeout -> filtered;
 * local resource problems -> error (the path was not tested, so never "open").
 */
const BY_CODE: Readonly<Record<string, Classified>> = {
  ECONNREFUSED: { state: 'closed', reason: 'refused' },
  ETIMEDOUT: { state: 'filtered', reason: 'timeout' },
  EHOSTUNREACH: { state: 'filtered', reason: 'host-unreachable' },
  ENETUNREACH: { state: 'filtered', reason: 'net-unreachable' },
  EACCES: { state: 'filtered', reason: 'admin-prohibited' },
  ENOPROTOOPT: { state: 'filtered', reason: 'protocol-unreachable' },
  EHOSTDOWN: { state: 'filtered', reason: 'host-down' },
  ENONET: { state: 'filtered', reason: 'host-down' },
  // A local OUTPUT rule that drops a UDP/ICMP send surfaces as EPERM.
  EPERM: { state: 'filtered', reason: 'local-firewall' },
  // connect() to a destination behind a blackhole route fails with EINVAL.
  EINVAL: { state: 'filtered', reason: 'no-route' },
  ECONNRESET: { state: 'open', reason: 'reset-after-connect' },
  EPIPE: { state: 'open', reason: 'reset-after-connect' },
  EMFILE: { state: 'error', reason: 'too-many-open-files' },
  ENFILE: { state: 'error', reason: 'too-many-open-files' },
  EADDRNOTAVAIL: { state: 'error', reason: 'address-not-available' },
  ENOTFOUND: { state: 'unresolved', reason: 'dns-not-found' },
  EAI_NONAME: { state: 'unresolved', reason: 'dns-not-found' },
  EAI_NODATA: { state: 'unresolved', reason: 'dns-not-found' },
  EAI_AGAIN: { state: 'unresolved', reason: 'dns-failure' },
  EAI_FAIL: { state: 'unresolved', reason: 'dns-failure' },
};

const LOCAL_ERROR: Classified = { state: 'error', reason: 'local-error' };

export function classifyErrno(code: string | undefined): Classified {
  return (code !== undefined ? BY_CODE[code] : undefined) ?? LOCAL_ERROR;
}

/** The `code` of a Node system error, if any. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** A short, secret-free text for a local error. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return errorCode(error) ?? error.message.slice(0, 200);
  return String(error).slice(0, 200);
}
