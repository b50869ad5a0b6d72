import type { ProbeDefinition } from '../src/core/probe.js';

// Options are invariant (schema out, context in), so the registry checks the shape with `any` options.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProbe = ProbeDefinition<any>;
import tcp from './tcp.js';
import icmp from './icmp.js';
import ssh from './ssh.js';
import netconf from './netconf.js';
import snmp from './snmp.js';
import radius from './radius.js';
import ntp from './ntp.js';
import dns from './dns.js';
import http from './http.js';
import ftp from './ftp.js';
import mysql from './mysql.js';
import telnet from './telnet.js';
import tl1 from './tl1.js';
import snmpInform from './snmp-inform.js';
import udp from './udp.js';
import responderTcp from './responder-tcp.js';
import responderUdp from './responder-udp.js';

/**
 * Every probe, by the name the matrix uses. Adding a probe = its file, one line here, its test.
 * The matrix's `probe` field is typed by these keys, so a row naming a missing probe does not compile.
 */
export const PROBES = {
  tcp,
  icmp,
  ssh,
  netconf,
  snmp,
  radius,
  ntp,
  dns,
  http,
  ftp,
  mysql,
  telnet,
  tl1,
  'snmp-inform': snmpInform,
  udp,
  'responder-tcp': responderTcp,
  'responder-udp': responderUdp,
} as const satisfies Record<string, AnyProbe>;

export type ProbeKind = keyof typeof PROBES;

export const PROBE_KINDS = Object.keys(PROBES) as ProbeKind[];

/** The probe for a kind, with its options type erased (the planner validated them). */
export function probeFor(kind: ProbeKind): ProbeDefinition<unknown> {
  return PROBES[kind] as unknown as ProbeDefinition<unknown>;
}

// The path diagnosis of `check` (src/check/path-diagnosis.ts) reaches the ICMP machinery here, as
// the application reaches every probe: the ICMP error observer and the TTL-limited locate probes.
export { IcmpObserver, type ObservedIcmpError } from './protocols/icmp/observer.js';
export { locate, type LocateAnswer, type LocateMethod } from './protocols/icmp/locate.js';
