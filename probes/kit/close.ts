import type { Socket } from 'node:net';
import { closeGently } from './tcp-connect.js';

/**
 * End a conversation: FIN and a short drain for a peer that behaved, an immediate destroy for one
 * that used up the byte budget (draining a flood would only read more of it). The drain itself
 * stops at what is left of the budget.
 */
export function closeAfter(socket: Socket, bytesRead: number, maxBytes: number): void {
  if (bytesRead >= maxBytes) socket.destroy();
  else closeGently(socket, undefined, maxBytes - bytesRead);
}
