import type net from 'node:net';

/**
 * Calls `onLine` for each CR LF (or LF) terminated line a client sends. Input beyond `maxBytes`
 * without a line end drops the connection, so a peer never buffers without bound.
 */
export function readLines(socket: net.Socket, onLine: (line: string) => void, maxBytes = 4096): void {
  let pending = '';
  socket.setEncoding('latin1');
  socket.on('data', (data: string) => {
    pending += data;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const line = pending.slice(0, end).replace(/\r$/, '');
      pending = pending.slice(end + 1);
      onLine(line);
      if (socket.destroyed || !socket.writable) return;
    }
    if (pending.length > maxBytes) socket.destroy();
  });
}
