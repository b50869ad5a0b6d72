import pino from 'pino';
import dns from '../../probes/dns.js';
import { deadlineSignal } from '../../probes/lib/abort.js';
import ntp from '../../probes/ntp.js';
import radius from '../../probes/radius.js';
import snmpInform from '../../probes/snmp-inform.js';
import snmp from '../../probes/snmp.js';
import udp from '../../probes/udp.js';
import type { ProbeDefinition, ProbeTarget } from '../../probes/types.js';
import type { HostCredentials, SnmpAuthProtocol, SnmpPrivProtocol } from '../../src/inventory/credentials.js';
import { Secret } from '../../src/inventory/secret.js';

/**
 * Runs one UDP probe and prints its facts as JSON: the real-daemon tests start this (compiled)
 * inside a lab namespace, since a process cannot move its own sockets into another namespace.
 * Argument: a JSON request; secrets arrive as plain strings (lab secrets only) and are wrapped.
 */
export interface UdpProbeRequest {
  readonly kind: 'udp' | 'snmp' | 'snmp-inform' | 'radius' | 'ntp' | 'dns';
  readonly target: ProbeTarget;
  readonly options?: Record<string, unknown>;
  readonly snmp?:
    | { readonly version: '2c'; readonly community: string }
    | {
        readonly version: '3';
        readonly user: string;
        readonly level: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
        readonly authProtocol?: SnmpAuthProtocol;
        readonly authKey?: string;
        readonly privProtocol?: SnmpPrivProtocol;
        readonly privKey?: string;
      };
  readonly radius?: { readonly secret: string; readonly probeUser?: { readonly username: string; readonly password: string } };
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

const PROBES: Record<UdpProbeRequest['kind'], ProbeDefinition<unknown>> = {
  udp: udp as unknown as ProbeDefinition<unknown>,
  snmp: snmp as unknown as ProbeDefinition<unknown>,
  'snmp-inform': snmpInform as unknown as ProbeDefinition<unknown>,
  radius: radius as unknown as ProbeDefinition<unknown>,
  ntp: ntp as unknown as ProbeDefinition<unknown>,
  dns: dns as unknown as ProbeDefinition<unknown>,
};

const secret = (value: string | undefined): Secret | undefined => (value === undefined ? undefined : new Secret(value));

function credentialsOf(request: UdpProbeRequest): HostCredentials {
  const credentials: { snmp?: HostCredentials['snmp']; radius?: HostCredentials['radius'] } = {};
  const s = request.snmp;
  if (s?.version === '2c') credentials.snmp = { version: '2c', community: new Secret(s.community) };
  if (s?.version === '3') {
    credentials.snmp = {
      version: '3',
      user: s.user,
      level: s.level,
      ...(s.authProtocol === undefined ? {} : { authProtocol: s.authProtocol }),
      ...(s.authKey === undefined ? {} : { authKey: secret(s.authKey) }),
      ...(s.privProtocol === undefined ? {} : { privProtocol: s.privProtocol }),
      ...(s.privKey === undefined ? {} : { privKey: secret(s.privKey) }),
    };
  }
  const r = request.radius;
  if (r !== undefined) {
    credentials.radius = {
      secret: new Secret(r.secret),
      ...(r.probeUser === undefined ? {} : { probeUser: { username: r.probeUser.username, password: new Secret(r.probeUser.password) } }),
    };
  }
  return credentials;
}

const request = JSON.parse(process.argv[2] ?? '{}') as UdpProbeRequest;
const probe = PROBES[request.kind];
const timeoutMs = request.timeoutMs ?? 3000;
const deadline = deadlineSignal(timeoutMs);
try {
  const facts = await probe.run(request.target, {
    signal: deadline.signal,
    timeoutMs,
    options: probe.optionsSchema.parse(request.options ?? {}),
    credentials: credentialsOf(request),
    maxBytes: request.maxBytes ?? 65536,
    log: pino({ level: 'silent' }),
  });
  process.stdout.write(`${JSON.stringify(facts)}\n`);
} finally {
  deadline.cancel();
}
