import dgram from 'node:dgram';

/**
 * Sockets for net-snmp's Agent and Receiver (the lab's agent and NOC receiver, the tests' peers).
 * They create and bind their sockets themselves and never say when a socket listens or why it
 * could not bind (the error goes to the same callback as every refused request). Their documented
 * `dgramModule` option lets us create the sockets instead: still the real sockets, but now we
 * know when each one listens, on which port, or why it failed.
 */
export interface ListenerSockets {
  /** For net-snmp's `dgramModule` option. */
  readonly dgramModule: { createSocket(type: dgram.SocketType): dgram.Socket };
  /** Every socket net-snmp created, listening; rejects with the first bind error (and closes them all). */
  listening(): Promise<readonly dgram.Socket[]>;
}

export function listenerSockets(): ListenerSockets {
  const created: { socket: dgram.Socket; listening: Promise<void> }[] = [];
  return {
    dgramModule: {
      createSocket(type) {
        const socket = dgram.createSocket(type);
        // Listened to from the start: net-snmp binds right after creating the socket.
        const listening = new Promise<void>((resolve, reject) => {
          socket.once('listening', () => resolve());
          socket.once('error', reject);
        });
        listening.catch(() => undefined);
        created.push({ socket, listening });
        return socket;
      },
    },
    async listening() {
      if (created.length === 0) throw new Error('net-snmp created no socket');
      try {
        await Promise.all(created.map((entry) => entry.listening));
      } catch (error) {
        for (const { socket } of created) closeQuietly(socket);
        throw error;
      }
      return created.map((entry) => entry.socket);
    },
  };
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // Never bound, or already closed: nothing to release.
  }
}
