import { readdir, readFile, readlink } from 'node:fs/promises';

/** The process that holds a socket. */
export interface SocketOwner {
  readonly pid: number;
  /** /proc/PID/comm: the command name, at most 15 characters. */
  readonly command: string;
}

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

/**
 * Which processes hold these socket inodes, from the /proc/PID/fd links. Only the processes this
 * user may inspect are seen (all of them as root); an inode left out of the answer has an owner
 * we cannot see. Every process is scanned: a socket shared by forked workers has several owners.
 */
export async function socketOwners(inodes: Iterable<number>, procRoot = '/proc'): Promise<Map<number, SocketOwner[]>> {
  const wanted = new Set(inodes);
  const owners = new Map<number, SocketOwner[]>();
  if (wanted.size === 0) return owners;
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  } catch {
    return owners;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`${procRoot}/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone meanwhile
    }
    let command: string | undefined;
    for (const fd of fds) {
      let target: string;
      try {
        target = await readlink(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = Number(SOCKET_LINK.exec(target)?.[1]);
      if (!wanted.has(inode)) continue;
      command ??= await commandOf(procRoot, pid);
      const list = owners.get(inode) ?? [];
      // A socket shared by a parent and its forked workers shows once per process.
      if (!list.some((owner) => owner.pid === Number(pid))) list.push({ pid: Number(pid), command });
      owners.set(inode, list);
    }
  }
  return owners;
}

async function commandOf(procRoot: string, pid: string): Promise<string> {
  try {
    return (await readFile(`${procRoot}/${pid}/comm`, 'utf8')).trim();
  } catch {
    return '?';
  }
}

/** A user name for a uid, from /etc/passwd; the number when it is not there. */
export async function userName(uid: number, passwd = '/etc/passwd'): Promise<string> {
  try {
    const line = (await readFile(passwd, 'utf8')).split('\n').find((entry) => entry.split(':')[2] === String(uid));
    return line?.split(':')[0] || String(uid);
  } catch {
    return String(uid);
  }
}
