/**
 * What every simulated peer of the lab returns. Peers listen on loopback addresses (127.0.0.0/8
 * or ::1) only: the lab never touches a real network and needs no privileges.
 */

export type LabTransport = 'tcp' | 'udp';

/** Where a peer listens. Port 0 asks the kernel for a free port (the handle tells which). */
export interface PeerEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface PeerHandle {
  readonly address: string;
  /** The port actually bound (differs from the requested one when 0 was asked). */
  readonly port: number;
  readonly transport: LabTransport;
  /** Stops listening and drops every open connection; resolves when the sockets are closed. */
  close(): Promise<void>;
}
