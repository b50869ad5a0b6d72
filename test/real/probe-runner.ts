import pino from 'pino';
import icmp from '../../probes/icmp.js';
import { deadlineSignal } from '../../probes/lib/abort.js';
import netconf from '../../probes/netconf.js';
import ssh from '../../probes/ssh.js';
import type { ProbeDefinition, ProbeTarget } from '../../probes/types.js';
import type { HostCredentials } from '../../src/inventory/credentials.js';
import { Secret } from '../../src/inventory/secret.js';

/**
 * Runs one probe and prints its facts as JSON: the real-daemon tests start this (compiled) inside
 * a lab namespace, since a process cannot move its own sockets into another network namespace.
 * Argument: a JSON request; secrets arrive as plain strings (lab passwords only) and are wrapped.
 */
interface Request {
  readonly kind: 'ssh' | 'netconf' | 'icmp';
  readonly target: ProbeTarget;
  readonly options?: Record<string, unknown>;
  readonly ssh?: { readonly username: string; readonly password?: string };
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

const PROBES: Record<Request['kind'], ProbeDefinition<unknown>> = {
  ssh: ssh as unknown as ProbeDefinition<unknown>,
  netconf: netconf as unknown as ProbeDefinition<unknown>,
  icmp: icmp as unknown as ProbeDefinition<unknown>,
};

const request = JSON.parse(process.argv[2] ?? '{}') as Request;
const probe = PROBES[request.kind];
const credentials: HostCredentials =
  request.ssh === undefined
    ? {}
    : {
        ssh: {
          username: request.ssh.username,
          ...(request.ssh.password === undefined ? {} : { password: new Secret(request.ssh.password) }),
        },
      };
const timeoutMs = request.timeoutMs ?? 5000;
const deadline = deadlineSignal(timeoutMs);
try {
  const facts = await probe.run(request.target, {
    signal: deadline.signal,
    timeoutMs,
    options: probe.optionsSchema.parse(request.options ?? {}),
    credentials,
    maxBytes: request.maxBytes ?? 65536,
    log: pino({ level: 'silent' }),
  });
  process.stdout.write(`${JSON.stringify(facts)}\n`);
} finally {
  deadline.cancel();
}
// No process.exit(): sockets the probe closes politely (FIN, then a grace period) must be allowed
// to finish, or the kernel resets them and sshd logs "Connection reset" (which fail2ban counts).
