import pino from 'pino';
import { deadlineSignal } from '../../src/core/abort.js';
import { probeFor, type ProbeKind } from '../../probes/registry.js';
import type { ProbeTarget } from '../../src/core/probe.js';
import type { HostCredentials, SnmpAuthProtocol, SnmpPrivProtocol } from '../../src/core/credentials.js';
import { Secret } from '../../src/core/secret.js';

/**
 * Runs one registered probe and prints its facts as JSON. The real-daemon tests start it (from
 * dist/, which `npm test` builds first) inside a lab namespace, since a process cannot move its
 * own sockets into another network namespace. Argument: a JSON request; secrets arrive as plain
 * strings (lab secrets only) and are wrapped into Secret values here.
 */
export interface ProbeRequest {
  readonly kind: ProbeKind;
  readonly target: ProbeTarget;
  readonly options?: Record<string, unknown>;
  readonly ssh?: { readonly username: string; readonly password?: string };
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

const secret = (value: string | undefined): { value?: Secret } => (value === undefined ? {} : { value: new Secret(value) });

function credentialsOf(request: ProbeRequest): HostCredentials {
  const credentials: { ssh?: HostCredentials['ssh']; snmp?: HostCredentials['snmp']; radius?: HostCredentials['radius'] } = {};
  const { ssh, snmp, radius } = request;
  if (ssh !== undefined) {
    const password = secret(ssh.password).value;
    credentials.ssh = { username: ssh.username, ...(password === undefined ? {} : { password }) };
  }
  if (snmp?.version === '2c') credentials.snmp = { version: '2c', community: new Secret(snmp.community) };
  if (snmp?.version === '3') {
    const authKey = secret(snmp.authKey).value;
    const privKey = secret(snmp.privKey).value;
    credentials.snmp = {
      version: '3',
      user: snmp.user,
      level: snmp.level,
      ...(snmp.authProtocol === undefined ? {} : { authProtocol: snmp.authProtocol }),
      ...(authKey === undefined ? {} : { authKey }),
      ...(snmp.privProtocol === undefined ? {} : { privProtocol: snmp.privProtocol }),
      ...(privKey === undefined ? {} : { privKey }),
    };
  }
  if (radius !== undefined) {
    credentials.radius = {
      secret: new Secret(radius.secret),
      ...(radius.probeUser === undefined
        ? {}
        : { probeUser: { username: radius.probeUser.username, password: new Secret(radius.probeUser.password) } }),
    };
  }
  return credentials;
}

// Only when run as a script (the tests import the request type from this file).
if (process.argv[1]?.endsWith('probe-runner.js') === true) {
  const request = JSON.parse(process.argv[2] ?? '{}') as ProbeRequest;
  const probe = probeFor(request.kind);
  const timeoutMs = request.timeoutMs ?? 5000;
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
  // No process.exit(): sockets the probe closes politely (FIN, then a grace period) must be allowed
  // to finish, or the kernel resets them and sshd logs "Connection reset" (which fail2ban counts).
}
