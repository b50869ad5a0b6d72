import type { ListeningPort } from '../planner/listening-ports.js';
import type { PreflightCheck } from '../report/types.js';
import { expectedOwners } from './expected-owners.js';
import type { LocalSocket } from './proc-net.js';
import type { SocketOwner } from './socket-owners.js';

/** What holds one port: its sockets, each with the processes we could see and the owning user. */
export interface PortHolder {
  readonly socket: LocalSocket;
  readonly owners: readonly SocketOwner[];
  readonly user: string;
}

/**
 * One check per port the host must listen on. Free passes; taken by the service the port is for
 * (sshd on 22) passes; taken by anything else fails, since PSM could not listen there; taken by a
 * process we may not inspect is a warning that says how to find out.
 */
export function portChecks(ports: readonly ListeningPort[], holders: readonly PortHolder[]): PreflightCheck[] {
  return ports.map((entry): PreflightCheck => {
    const here = holders.filter((h) => h.socket.transport === entry.transport && h.socket.port === entry.port);
    const expected = expectedOwners(entry.rows);
    const base = {
      id: `port/${entry.transport}/${entry.port}`,
      kind: 'port' as const,
      rows: entry.rows,
    };
    const what = `${entry.transport}/${entry.port} (${[...new Set(entry.applications)].join(' / ')})`;
    const evidence = {
      transport: entry.transport,
      port: entry.port,
      ...(expected.length > 0 ? { expectedOwners: expected } : {}),
    };
    if (here.length === 0) {
      return { ...base, verdict: 'pass', message: `${what}: free`, evidence };
    }
    const owners = here.flatMap((h) => h.owners.map((o) => `${o.command}[${o.pid}]`));
    const bound = [...new Set(here.map((h) => h.socket.address))];
    const held = { ...evidence, boundTo: bound, owners: [...new Set(owners)] };
    const unseen = here.filter((h) => h.owners.length === 0);
    const strangers = here.flatMap((h) => h.owners).filter((o) => !expected.includes(o.command));
    if (strangers.length > 0) {
      const names = [...new Set(strangers.map((o) => `${o.command} (pid ${o.pid})`))].join(', ');
      const wanted = expected.length > 0 ? `, not the service expected here (${expected.join(', ')})` : '';
      return {
        ...base,
        verdict: 'fail',
        message: `${what}: taken by ${names} on ${bound.join(', ')}${wanted}: PSM could not listen here`,
        evidence: held,
      };
    }
    if (unseen.length > 0) {
      const users = [...new Set(unseen.map((h) => h.user))].join(', ');
      return {
        ...base,
        verdict: 'warn',
        message: `${what}: taken on ${bound.join(', ')} by a process of user ${users} that this user may not inspect (run as root to see which)`,
        evidence: held,
      };
    }
    return {
      ...base,
      verdict: 'pass',
      message: `${what}: already taken by ${[...new Set(here.flatMap((h) => h.owners.map((o) => o.command)))].join(', ')}, the service expected here`,
      evidence: held,
    };
  });
}
