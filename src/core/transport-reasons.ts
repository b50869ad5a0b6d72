import { defineReasons } from './reasons.js';

/**
 * Reasons every probe may report about the transport, before any application protocol.
 * The errno mapping follows nmap's connect scan (see src/core/errno.ts).
 */
export const TRANSPORT_REASONS = defineReasons({
  connected: { outcome: 'ok', summary: 'TCP handshake completed' },
  refused: {
    outcome: 'fail',
    summary: 'connection refused (RST or ICMP port unreachable): nothing listens, or a firewall rejects',
  },
  timeout: {
    outcome: 'fail',
    retryable: true,
    summary: 'no answer before the deadline: dropped by a firewall, or the host is down',
  },
  'host-unreachable': {
    outcome: 'fail',
    summary:
      'host unreachable: ICMP host unreachable or administratively prohibited, an unreachable route, or no ARP answer on the link',
  },
  'net-unreachable': { outcome: 'fail', summary: 'network unreachable: no route, or ICMP net unreachable' },
  'admin-prohibited': {
    outcome: 'fail',
    summary: 'administratively prohibited: a firewall or a prohibit route rejected it (EACCES)',
  },
  'protocol-unreachable': { outcome: 'fail', summary: 'ICMP protocol unreachable (ENOPROTOOPT)' },
  'no-route': { outcome: 'fail', summary: 'the local routing table discards this destination (blackhole route)' },
  'local-firewall': {
    outcome: 'fail',
    summary: 'the local host refused to send (EPERM): an OUTPUT firewall rule on this host',
  },
  'host-down': { outcome: 'fail', summary: 'host is down (EHOSTDOWN)' },
  'port-unreachable': {
    outcome: 'fail',
    summary: 'ICMP port unreachable: nothing listens on this UDP port, or a firewall rejects',
  },
  'no-reply': {
    outcome: 'warn',
    retryable: true,
    summary: 'no UDP reply: open|filtered, a silent service cannot be told from a drop',
  },
  'reset-after-connect': {
    outcome: 'fail',
    summary: 'connected, then the peer reset the connection before speaking (TCP wrappers, MaxStartups, ACL)',
  },
  'closed-before-banner': {
    outcome: 'fail',
    summary: 'connected, then the peer closed without sending its greeting',
  },
  'no-banner': {
    outcome: 'fail',
    retryable: true,
    summary: 'connected, but the service sent nothing before the deadline',
  },
  'closed-mid-banner': {
    outcome: 'fail',
    summary:
      'connected, the peer began its greeting or response and closed before completing it (the message says after how many bytes)',
  },
  'incomplete-banner': {
    outcome: 'fail',
    retryable: true,
    summary: 'the peer began its greeting or response but did not complete it before the deadline (stalled, or deliberately slow)',
  },
  'unexpected-protocol': {
    outcome: 'fail',
    summary: 'something answered, but not the expected protocol',
  },
  'response-too-large': {
    outcome: 'fail',
    summary: 'the peer sent more than the byte limit without completing its message',
  },
  'dns-not-found': { outcome: 'fail', summary: 'the target name does not resolve (NXDOMAIN / no address)' },
  'dns-failure': { outcome: 'fail', retryable: true, summary: 'the target name could not be resolved right now' },
  'too-many-open-files': {
    outcome: 'fail',
    summary: 'local limit: no file descriptor for a socket (EMFILE/ENFILE); lower the concurrency',
  },
  'address-not-available': {
    outcome: 'fail',
    summary: 'local failure: address not available (ephemeral ports exhausted or bad source address)',
  },
  'not-tested-missing-credentials': {
    outcome: 'warn',
    summary: 'transport verified, but the service itself was not checked: no credentials in the inventory',
  },
  'local-error': { outcome: 'fail', summary: 'a local error prevented the probe (see message)' },
  aborted: { outcome: 'warn', summary: 'the run was interrupted before this probe finished' },
});

export type TransportReason = keyof typeof TRANSPORT_REASONS;
