/**
 * Types for the parts of `raw-socket` (1.8, no published types) that the ICMP probe uses.
 * Source: node_modules/raw-socket/index.js and src/raw.cc.
 */
declare module 'raw-socket' {
  import type { EventEmitter } from 'node:events';

  interface SocketOptions {
    /** Protocol number placed in the IP header: Protocol.ICMP, Protocol.ICMPv6... */
    protocol?: number;
    addressFamily?: number;
    /** Receive buffer size in bytes (default 4096). */
    bufferSize?: number;
  }

  /**
   * The native handle. `recv` reads one datagram synchronously and throws when none is queued
   * (EAGAIN); `send` calls sendto() synchronously, then the callback, and throws on failure.
   */
  interface SocketWrap {
    recv(buffer: Buffer, callback: (buffer: Buffer, bytes: number, source: string) => void): SocketWrap;
    send(buffer: Buffer, offset: number, length: number, address: string, callback: (bytes: number) => void): SocketWrap;
  }

  interface Socket extends EventEmitter {
    readonly buffer: Buffer;
    readonly wrap: SocketWrap;
    /**
     * Queues a datagram; `beforeSend` runs synchronously right before the sendto() call,
     * `afterSend` after it (with the error when sendto failed).
     */
    send(
      buffer: Buffer,
      offset: number,
      length: number,
      address: string,
      beforeSend: () => void,
      afterSend: (error: Error | null, bytes: number) => void,
    ): Socket;
    close(): Socket;
    /** Documented in its README: stop and restart watching for readable events (queued datagrams wait in the kernel). */
    pauseRecv(): Socket;
    resumeRecv(): Socket;
    setOption(level: number, option: number, value: number): void;
    on(event: 'message', listener: (buffer: Buffer, source: string) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'close', listener: () => void): this;
  }

  const raw: {
    /** Throws synchronously ("Operation not permitted") without CAP_NET_RAW. */
    createSocket(options?: SocketOptions): Socket;
    readonly AddressFamily: { readonly IPv4: number; readonly IPv6: number };
    readonly Protocol: { readonly None: number; readonly ICMP: number; readonly TCP: number; readonly UDP: number; readonly ICMPv6: number };
    readonly SocketLevel: { readonly SOL_SOCKET: number; readonly IPPROTO_IP: number; readonly IPPROTO_IPV6: number };
    readonly SocketOption: { readonly SO_RCVBUF: number; readonly SO_SNDBUF: number; readonly IP_TTL: number; readonly IPV6_UNICAST_HOPS: number };
  };
  export default raw;
  export type { Socket, SocketOptions };
}
