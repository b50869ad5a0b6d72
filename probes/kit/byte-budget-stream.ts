import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/**
 * A socket seen through a byte budget, for layering TLS on top. tls.connect() on a plain
 * net.Socket reads through the socket's handle inside Node, where no 'data' event (and so no
 * BoundedReader) sees the bytes; handing it this stream instead makes every byte of the
 * handshake and of the records after it pass here first. Past `maxBytes` the stream ends the
 * connection, so a peer that floods the handshake costs at most the budget.
 */
export class ByteBudgetStream extends Duplex {
  readonly #socket: Socket;
  readonly #maxBytes: number;
  #total = 0;
  #exhausted = false;

  constructor(socket: Socket, maxBytes: number) {
    super();
    this.#socket = socket;
    this.#maxBytes = maxBytes;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => {
      if (!this.readableEnded) this.push(null);
    });
  }

  /** Bytes received from the peer (raw, TLS records included). */
  get bytesRead(): number {
    return this.#total;
  }

  /** True once the peer sent more than the budget; the connection is closed then. */
  get exhausted(): boolean {
    return this.#exhausted;
  }

  #receive(chunk: Buffer): void {
    const room = this.#maxBytes - this.#total;
    const kept = chunk.length > room ? chunk.subarray(0, Math.max(room, 0)) : chunk;
    this.#total += kept.length;
    if (chunk.length > room) {
      this.#exhausted = true;
      this.#socket.destroy();
      return;
    }
    if (!this.push(kept)) this.#socket.pause();
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.#socket.destroyed) {
      done();
      return;
    }
    this.#socket.write(chunk, (error) => done(error ?? null));
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#socket.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#socket.destroy();
    done(error);
  }
}
