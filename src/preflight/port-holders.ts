import type { PortHolder } from './port-checks.js';
import { readLocalSockets } from './proc-net.js';
import { socketOwners, userName } from './socket-owners.js';

/** The sockets that hold any of these ports, with their processes (as far as this user may see) and users. */
export async function findPortHolders(
  ports: readonly { readonly transport: 'tcp' | 'udp'; readonly port: number }[],
  procRoot = '/proc',
): Promise<PortHolder[]> {
  const wanted = new Set(ports.map((p) => `${p.transport}/${p.port}`));
  const sockets = (await readLocalSockets(procRoot)).filter((s) => wanted.has(`${s.transport}/${s.port}`));
  const owners = await socketOwners(
    sockets.map((s) => s.inode),
    procRoot,
  );
  const users = new Map<number, string>();
  for (const uid of new Set(sockets.map((s) => s.uid))) users.set(uid, await userName(uid));
  return sockets.map((socket) => ({ socket, owners: owners.get(socket.inode) ?? [], user: users.get(socket.uid) ?? String(socket.uid) }));
}

/** "sshd (pid 812)", or the user when the process cannot be seen. */
export function describeHolders(holders: readonly PortHolder[]): string {
  const names = holders.flatMap((h) =>
    h.owners.length > 0 ? h.owners.map((o) => `${o.command} (pid ${o.pid})`) : [`a process of user ${h.user}`],
  );
  return [...new Set(names)].join(', ');
}
