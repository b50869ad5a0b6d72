import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { now as monotonicNow } from '../core/clock.js';
import { NetcheckError } from '../core/errors.js';
import { FORMATTERS } from '../report/index.js';
import type { Report } from '../report/types.js';
import { assessHealth } from './health.js';
import { renderMetrics } from './metrics.js';
import { requestPath } from './request-path.js';
import type { RunLoopSnapshot } from './scheduler.js';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly intervalMs: number;
  readonly snapshot: () => RunLoopSnapshot;
  /** The vantage host's name: the `vantage` label of every series in /metrics. */
  readonly vantage: string;
  readonly log: Logger;
  /** Monotonic clock in ms, the one the run loop uses. */
  readonly now?: () => number;
}

export interface RunningServer {
  /** The bound address: with port 0 the kernel chose the port. */
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string;
  /** The methods a 405 allows. */
  readonly allow?: string;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
/** The Prometheus text exposition format that src/report/prometheus.ts writes. */
const PROMETHEUS = 'text/plain; version=0.0.4; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

/**
 * The read-only HTTP side of `serve`: the last run's report in the formats monitoring wants, and
 * the loop's health. Requests never start a run (a scrape storm cannot turn into a probe storm).
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { log } = options;
  const clock = options.now ?? monotonicNow;
  const cache = new WeakMap<Report, Map<string, string>>();
  // The last report is rendered once per format, not once per scrape.
  const rendered = (report: Report, format: 'json' | 'html'): string => {
    let formats = cache.get(report);
    if (formats === undefined) cache.set(report, (formats = new Map()));
    let text = formats.get(format);
    if (text === undefined) formats.set(format, (text = FORMATTERS[format].format(report, { color: false }).text));
    return text;
  };

  const route = (path: string): Reply => {
    const snapshot = options.snapshot();
    switch (path) {
      case '/metrics':
        return { status: 200, type: PROMETHEUS, body: renderMetrics(snapshot, options.vantage) };
      case '/healthz': {
        const health = assessHealth(snapshot, options.intervalMs, clock());
        return { status: health.healthy ? 200 : 503, type: JSON_TYPE, body: `${JSON.stringify(health.body)}\n` };
      }
      case '/report.json':
        return snapshot.lastReport === undefined ? noReportYet() : { status: 200, type: JSON_TYPE, body: rendered(snapshot.lastReport, 'json') };
      case '/':
      case '/report.html':
        return snapshot.lastReport === undefined ? noReportYet() : { status: 200, type: HTML, body: rendered(snapshot.lastReport, 'html') };
      default:
        return { status: 404, type: TEXT, body: 'not found: try /metrics, /report.json, /report.html or /healthz\n' };
    }
  };

  /** A reply for every request, however malformed: nothing a client sends can end the process. */
  const reply = (request: http.IncomingMessage): Reply => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return { status: 405, type: TEXT, body: 'only GET and HEAD\n', allow: 'GET, HEAD' };
    }
    const path = requestPath(request.url);
    if (path === undefined) return { status: 400, type: TEXT, body: 'bad request target\n' };
    try {
      return route(path);
    } catch (error) {
      log.error({ err: error, path }, 'cannot render the response');
      return { status: 500, type: TEXT, body: 'internal error\n' };
    }
  };

  const server = http.createServer((request, response) => {
    const answer = reply(request);
    log.debug({ method: request.method, path: requestPath(request.url), status: answer.status }, 'request');
    const body = Buffer.from(answer.body);
    response.writeHead(answer.status, {
      'Content-Type': answer.type,
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...(answer.allow === undefined ? {} : { Allow: answer.allow }),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  // Slow or idle clients cannot hold sockets for long: this server only ever sends small pages.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new NetcheckError('E_USAGE', `--listen: cannot listen: ${error.message}`, { cause: error })),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  server.on('error', (error) => log.error({ err: error }, 'http server error'));
  const bound = server.address() as AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function noReportYet(): Reply {
  return { status: 503, type: JSON_TYPE, body: `${JSON.stringify({ error: 'no run has finished yet' })}\n` };
}
