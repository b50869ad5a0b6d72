import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/types.js';
import { runCli } from './support/cli.js';
import { closedTcpPort, recordingListener } from './support/hostile-peers.js';
import { poll, rawRequest, request, startServe, type ServeProcess } from './support/serve-process.js';

interface ParsedFamily {
  name: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}
// parse-prometheus-text-format is CommonJS without type declarations.
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

function sample(families: ParsedFamily[], name: string): number {
  const value = families.find((family) => family.name === name)?.metrics[0]?.value;
  if (value === undefined) throw new Error(`no sample of ${name}`);
  return Number(value);
}


describe('psm-netcheck serve over real HTTP on loopback', () => {
  let dir = '';
  let jmx: Awaited<ReturnType<typeof recordingListener>>;
  let hungFtp: Awaited<ReturnType<typeof recordingListener>>;
  let closed = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-serve-'));
    jmx = await recordingListener(false);
    hungFtp = await recordingListener(true);
    closed = await closedTcpPort();
    await writeFile(
      join(dir, 'loopback.yaml'),
      `
hosts:
  - { name: client, role: psm-client, addresses: [127.0.0.1] }
  - name: server
    role: psm-server
    addresses: [127.0.0.1]
    ports: { jmx: ${jmx.port}, ssh: ${closed} }
paths:
  - { name: hung-ftp, from: client, to: server, transport: tcp, ports: [${hungFtp.port}], probe: ftp }
`,
    );
    await writeFile(join(dir, 'broken.yaml'), 'hosts:\n  - { name: client, role: psm-client, addresses: [127.0.0.1], colour: blue }\n');
  });
  afterAll(async () => {
    await jmx.close();
    await hungFtp.close();
  });

  describe('a quick check every second', () => {
    let serve: ServeProcess;
    beforeAll(async () => {
      serve = await startServe(['-i', join(dir, 'loopback.yaml'), '--from', 'client', '--only', 'tcp', '--interval', '1s']);
    });
    afterAll(async () => {
      await serve.stop('SIGKILL');
    });

    it('reports healthy once a run has completed', async () => {
      const reply = await poll(serve.port, '/healthz', (r) => r.status === 200);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(reply.body) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'ok', intervalSeconds: 1, errors: 0 });
      expect(body.runs).toBeGreaterThanOrEqual(1);
    });

    it('serves /metrics in the Prometheus text format: the last run and the loop counters', async () => {
      const reply = await request(serve.port, '/metrics');
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      const families = parsePrometheus(reply.body);
      const success = families.find((f) => f.name === 'psm_netcheck_probe_success');
      expect(success?.metrics).toContainEqual(
        expect.objectContaining({ value: '1', labels: expect.objectContaining({ vantage: 'client', row: 't1-jmx', port: String(jmx.port), probe: 'tcp' }) }),
      );
      // Every series says which vantage it comes from, the loop's own too.
      for (const parsed of families) {
        for (const metric of parsed.metrics) expect(metric.labels?.vantage, parsed.name).toBe('client');
      }
      expect(sample(families, 'psm_netcheck_runs_total')).toBeGreaterThanOrEqual(1);
      expect(sample(families, 'psm_netcheck_run_complete')).toBe(1);
      for (const name of ['psm_netcheck_runs_total', 'psm_netcheck_run_overruns_total', 'psm_netcheck_run_errors_total']) {
        expect(families.find((f) => f.name === name)?.type, name).toBe('COUNTER');
      }
      expect(families.find((f) => f.name === 'psm_netcheck_run_in_progress')?.type).toBe('GAUGE');
    });

    it('serves /report.json that validates against the published JSON Schema', async () => {
      const reply = await request(serve.port, '/report.json');
      expect(reply.status).toBe(200);
      const schema = JSON.parse(await readFile(new URL('../schemas/report.schema.json', import.meta.url), 'utf8')) as object;
      // ajv and ajv-formats are CommonJS: under NodeNext their classes are on `.default`.
      const ajv = new Ajv2020.default({ allErrors: true, strict: true });
      addFormats.default(ajv);
      const validate = ajv.compile(schema);
      const report = JSON.parse(reply.body) as Report;
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(report.results.find((r) => r.rows.includes('t1-jmx'))).toMatchObject({ state: 'open', verdict: 'pass' });
    });

    it('serves the HTML report at / and /report.html, 404 elsewhere, and only GET and HEAD', async () => {
      for (const path of ['/', '/report.html', '/report.html?refresh=1']) {
        const reply = await request(serve.port, path);
        expect(reply.status, path).toBe(200);
        expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(reply.body).toMatch(/^<!DOCTYPE html>/i);
      }
      const head = await request(serve.port, '/metrics', 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      expect((await request(serve.port, '/nothing-here')).status).toBe(404);
      const post = await request(serve.port, '/metrics', 'POST');
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe('GET, HEAD');
    });

    it('answers every malformed request with a 4xx and keeps serving', async () => {
      const targets = [
        'GET //[ HTTP/1.1',
        'GET http://127.0.0.1:99999/metrics HTTP/1.1',
        'GET http://[::1/metrics HTTP/1.1',
        'GET * HTTP/1.1',
        'GET metrics HTTP/1.1',
        'GET ftp://example.invalid/metrics HTTP/1.1',
        'GET /\u0000 HTTP/1.1',
        'NOT-HTTP',
      ];
      for (const line of targets) {
        const status = await rawRequest(serve.port, line);
        expect(status, line).toBeGreaterThanOrEqual(400);
        expect(status, line).toBeLessThan(500);
      }
      // Absolute-form is a valid target (RFC 9112 3.2.2): served like its path.
      expect(await rawRequest(serve.port, `GET http://127.0.0.1:${serve.port}/healthz HTTP/1.1`)).toBe(200);
      expect((await request(serve.port, '/healthz')).status).toBe(200);
      expect(serve.stderr()).not.toContain('Invalid URL');
    });

    it('probes on the interval, never per request', async () => {
      for (let i = 0; i < 20; i++) await request(serve.port, '/report.json');
      const families = parsePrometheus((await request(serve.port, '/metrics')).body);
      // One connection to the JMX listener per run: the scrapes added none.
      const runs = sample(families, 'psm_netcheck_runs_total') + sample(families, 'psm_netcheck_run_in_progress');
      expect(jmx.total()).toBeLessThanOrEqual(runs);
    });

    it('stops cleanly on SIGTERM: exit 0, the port closed', async () => {
      const code = await serve.stop('SIGTERM');
      expect(code).toBe(0);
      expect(serve.stderr()).toContain('"msg":"stopped"');
      expect(serve.stderr()).not.toContain('internal error');
      await expect(request(serve.port, '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
  });

  describe('a run that outlives the interval', () => {
    let serve: ServeProcess;
    beforeAll(async () => {
      // The FTP probe waits its whole 3 s timeout for a greeting that never comes; ticks every 1 s.
      serve = await startServe([
        '-i', join(dir, 'loopback.yaml'), '--from', 'client', '--only', 'ftp', '--timeout', '3s', '--retries', '0', '--interval', '1s',
      ]);
    });
    afterAll(async () => {
      await serve.stop('SIGKILL');
    });

    it('is reported as an overrun, in /metrics, /healthz and the log, and never stacked', async () => {
      const metrics = await poll(serve.port, '/metrics', (r) => sample(parsePrometheus(r.body), 'psm_netcheck_run_overruns_total') >= 2);
      expect(sample(parsePrometheus(metrics.body), 'psm_netcheck_run_overruns_total')).toBeGreaterThanOrEqual(2);
      const health = JSON.parse((await request(serve.port, '/healthz')).body) as { overruns: number };
      expect(health.overruns).toBeGreaterThanOrEqual(2);
      expect(serve.stderr()).toContain('run overran the interval');
      // Two overruns mean two ticks found a run going: had they started one, the hung peer would
      // have held several connections at once.
      expect(hungFtp.total()).toBeGreaterThanOrEqual(1);
      expect(hungFtp.peak()).toBe(1);
    });

    it('serves no report before the first run has finished, and says why', async () => {
      // A fresh instance: its first run lasts 3 s, so the report cannot exist yet when it listens.
      const fresh = await startServe([
        '-i', join(dir, 'loopback.yaml'), '--from', 'client', '--only', 'ftp', '--timeout', '30s', '--retries', '0', '--interval', '1m',
      ]);
      try {
        const health = await request(fresh.port, '/healthz');
        expect(health.status).toBe(503);
        expect(JSON.parse(health.body)).toMatchObject({ status: 'starting', runs: 0, lastRunAgeSeconds: null });
        expect((await request(fresh.port, '/report.json')).status).toBe(503);
        const families = parsePrometheus((await request(fresh.port, '/metrics')).body);
        expect(families.some((f) => f.name === 'psm_netcheck_probe_success')).toBe(false);
        expect(sample(families, 'psm_netcheck_runs_total')).toBe(0);
        // SIGTERM in the middle of a run: the run is aborted and the process leaves cleanly.
        expect(await fresh.stop('SIGTERM')).toBe(0);
        expect(fresh.stderr()).toContain('"msg":"stopped"');
      } finally {
        await fresh.stop('SIGKILL');
      }
    });
  });

  describe('refuses to start, before listening and before any probe', () => {
    it('on a broken inventory: exit 2, E_INVENTORY', async () => {
      const run = await runCli(['serve', '-i', join(dir, 'broken.yaml'), '--listen', '127.0.0.1:0']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('E_INVENTORY');
      expect(run.stderr).not.toContain('listening');
    });

    it('on bad flags or an address already in use: exit 2, E_USAGE', async () => {
      const before = jmx.total();
      const cases = [
        ['--interval', '10ms'],
        ['--interval', 'often'],
        // 35 days: past Node's timer range, it would fire at once, back to back.
        ['--interval', '3024000000'],
        ['--interval', '8d'],
        ['--listen', 'nowhere'],
        ['--listen', '127.0.0.1:70000'],
        ['--listen', `127.0.0.1:${jmx.port}`],
        ['--only', 'smtp'],
      ];
      for (const flags of cases) {
        const run = await runCli(['serve', '-i', join(dir, 'loopback.yaml'), '--from', 'client', '--only', 'tcp', '--listen', '127.0.0.1:0', ...flags]);
        expect(run.code, `${flags.join(' ')}: ${run.stderr}`).toBe(2);
        expect(run.stderr, flags.join(' ')).toContain('E_USAGE');
        expect(run.stderr).not.toContain('"msg":"listening"');
      }
      expect(jmx.total()).toBe(before);
    });
  });
});
