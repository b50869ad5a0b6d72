import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { CLI } from './cli.js';

/** A running `psm-netcheck serve`, started on `--listen 127.0.0.1:0`. */
export interface ServeProcess {
  readonly port: number;
  readonly pid: number;
  /** Everything it logged so far (pino JSON lines). */
  stderr(): string;
  /** Sends the signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the built CLI's `serve` and resolves once it logs `listening`, with the port the kernel
 * chose. Rejects with its stderr if it exits first.
 */
export function startServe(args: readonly string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.stdout.resume();
  return new Promise((resolve, reject) => {
    let listening = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (listening) return;
      const port = listeningPort(stderr);
      if (port === undefined) return;
      listening = true;
      resolve({
        port,
        pid: child.pid ?? 0,
        stderr: () => stderr,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    child.on('error', reject);
    void exited.then((code) => {
      if (!listening) reject(new Error(`serve exited with ${code} before listening:\n${stderr}`));
    });
  });
}

function listeningPort(logs: string): number | undefined {
  for (const line of logs.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'listening' && typeof entry.port === 'number') return entry.port;
    } catch {
      // A line still being written: the next chunk completes it.
    }
  }
  return undefined;
}

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One plain HTTP request to the loopback server. */
export function request(port: number, path: string, method = 'GET'): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Asks again every 100 ms until `accept` is satisfied; fails with the last reply after `limitMs`. */
export async function poll(
  port: number,
  path: string,
  accept: (reply: HttpReply) => boolean,
  limitMs = 30_000,
): Promise<HttpReply> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const reply = await request(port, path);
    if (accept(reply)) return reply;
    if (Date.now() > deadline) throw new Error(`${path} never gave what the test waits for; last: ${reply.status} ${reply.body}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Sends `requestLine` as written (no client library would send a malformed target) and resolves
 * with the status code of the answer, or 0 when the server closed without one.
 */
export function rawRequest(port: number, requestLine: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk: string) => {
      if (answer.length < 4096) answer += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1] ?? 0)));
  });
}
