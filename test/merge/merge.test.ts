import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { NetcheckError } from '../../src/core/errors.js';
import { parseInventory } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/types.js';
import { matrixPaths, pointKey } from '../../src/merge/matrix-paths.js';
import { mergeReports, type MergeInput } from '../../src/merge/merge.js';
import { collapsePoints } from '../../src/merge/points.js';
import { COVERAGE_JSON_SCHEMA, coverageSchemaText } from '../../src/merge/schema.js';
import type { CoveragePath, CoverageReport } from '../../src/merge/types.js';
import { planChecks } from '../../src/planner/plan.js';
import type { Report } from '../../src/report/types.js';
import { fakeReport, type FakeRun } from './reports.js';

const YAML = `
name: merge-test
hosts:
  - { name: psm1, role: psm-server, addresses: [192.0.2.10, "2001:db8::10"], services: [ntp] }
  - { name: client-a, role: psm-client, addresses: [192.0.2.20, "2001:db8::20"] }
  - { name: client-b, role: psm-client, addresses: [192.0.2.21], ports: { rest-notification: "10000-10001" } }
  - { name: ne-stand, role: network-element, neType: bti7800, addresses: [192.0.2.30] }
  - { name: ne-1, role: network-element, neType: bti7800, addresses: [198.51.100.1] }
  - { name: ne-mx, role: network-element, neType: juniper-mx, addresses: [198.51.100.2] }
  - { name: noc, role: noc, addresses: [203.0.113.1] }
paths:
  - { name: no-telnet, from: psm1, to: ne-1, transport: tcp, ports: [23], expect: closed }
responder:
  token: { env: MERGE_TEST_TOKEN_NOT_SET }
`;

const inventory: Inventory = parseInventory(YAML, 'merge-test.yaml', '/tmp', { requireSecrets: false });

/** Before install: respond on the server, the clients and the stand-in; check from each of them. */
const PREINSTALL: readonly FakeRun[] = [
  { from: 'psm1', viaResponder: ['client-a', 'client-b', 'ne-stand'] },
  { from: 'client-a', viaResponder: ['psm1', 'ne-stand'] },
  { from: 'client-b', viaResponder: ['psm1', 'ne-stand'] },
  { from: 'ne-stand', viaResponder: ['psm1'] },
];

function merge(runs: readonly FakeRun[]): CoverageReport {
  const inputs: MergeInput[] = runs.map((run, index) => ({ file: `r${index + 1}.json`, report: fakeReport(inventory, run) }));
  return mergeReports(inventory, inputs, { inventoryLabel: 'merge-test.yaml' });
}

const pathOf = (report: CoverageReport, id: string): CoveragePath => {
  const path = report.paths.find((p) => p.id === id);
  if (path === undefined) throw new Error(`no path ${id}`);
  return path;
};

describe('the matrix paths of an inventory', () => {
  const paths = matrixPaths(inventory);

  it('are the probes the planner plans, from every host, and nothing else', () => {
    for (const host of inventory.hosts) {
      const planned = new Set<string>();
      for (const probe of planChecks(inventory, host).probes) {
        for (const row of probe.rows) planned.add(`${row}/${host.name}/${probe.target}|${pointKey(probe.address, probe.transport, probe.port)}`);
      }
      const enumerated = new Set(paths.filter((path) => path.from === host).flatMap((path) => path.points.map((point) => `${path.id}|${point}`)));
      expect([...planned].sort(), host.name).toEqual([...enumerated].sort());
    }
  });

  it('go from each initiator to each responder of a row, never to itself, with the target\'s port overrides', () => {
    expect(paths.filter((path) => path.row === 't1-rest').map((path) => `${path.from.name}>${path.to.name}`)).toEqual(['client-a>psm1', 'client-b>psm1']);
    expect(paths.some((path) => path.from === path.to)).toBe(false);
    expect(paths.find((path) => path.id === 't1-rest-notification/psm1/client-b')?.ports).toEqual(['10000-10001']);
    expect(paths.find((path) => path.id === 't1-rest-notification/psm1/client-a')?.ports).toEqual(['9999-10100']);
  });

  it('hold only the target addresses of a family the initiator has (client-b has only IPv4)', () => {
    expect(paths.find((path) => path.id === 't1-rest/client-b/psm1')?.points).toEqual(['192.0.2.10 tcp/9998']);
    expect(paths.find((path) => path.id === 't1-rest/client-a/psm1')?.points).toEqual(['192.0.2.10 tcp/9998', '2001:db8::10 tcp/9998']);
  });

  it('keep the ports nothing can probe apart, with why', () => {
    const ftp = paths.find((path) => path.id === 't1-ftp/client-a/psm1');
    expect(ftp?.ports).toEqual(['20', '21']);
    expect(ftp?.points).toEqual(['192.0.2.10 tcp/21', '2001:db8::10 tcp/21']);
    expect(ftp?.untestable).toEqual([{ ports: '20', why: expect.stringMatching(/\w/) }]);
  });

  it('include the inventory\'s own paths', () => {
    expect(paths.find((path) => path.row === 'path:no-telnet')).toMatchObject({ table: 0, expected: 'closed', points: ['198.51.100.1 tcp/23'] });
  });
});

describe('merge: every vantage of a pre-install run', () => {
  const report = merge(PREINSTALL);

  it('verifies every path from the hosts that ran psm-netcheck, through the responder where one answered', () => {
    for (const path of report.paths.filter((p) => ['psm1', 'client-a', 'client-b', 'ne-stand'].includes(p.from))) {
      expect(path.status, path.id).toBe('pass');
      expect(path.missing, path.id).toEqual([]);
      expect(path.next, path.id).toBeUndefined();
    }
    const rest = pathOf(report, 't1-rest/client-a/psm1');
    expect(rest.observations).toEqual([
      expect.objectContaining({ input: 1, vantage: 'client-a', method: 'responder', verdict: 'pass' }),
    ]);
    expect(rest.observations[0]?.results.map((r) => r.point)).toEqual(['192.0.2.10 tcp/9998', '2001:db8::10 tcp/9998']);
    expect(pathOf(report, 't3-icmp/psm1/ne-1').observations[0]?.method).toBe('direct');
    expect(pathOf(report, 't3-netconf-bti7800/psm1/ne-stand').observations[0]?.method).toBe('responder');
  });

  it('lists a network element\'s paths as impossible to verify, with the stand-in of its type that was tested', () => {
    const traps = pathOf(report, 't3-snmp-traps/ne-1/psm1');
    expect(traps.status).toBe('cannot-verify');
    expect(traps.standIns).toEqual([{ host: 'ne-stand', path: 't3-snmp-traps/ne-stand/psm1', status: 'pass' }]);
    expect(traps.next?.why).toContain('a network element cannot run psm-netcheck');
    expect(traps.next?.commands).toEqual([]);
  });

  it('says how to cover the paths of an element type nobody stood in for', () => {
    const mx = pathOf(report, 't3-snmp-traps/ne-mx/psm1');
    expect(mx.status).toBe('not-covered');
    expect(mx.standIns).toEqual([]);
    expect(mx.next?.why).toContain('no report comes from a stand-in of neType juniper-mx');
    expect(mx.next?.commands).toEqual([
      { host: 'psm1', command: 'psm-netcheck respond -i merge-test.yaml --from psm1 --for 30m' },
      { host: expect.stringContaining('stand-in of neType juniper-mx'), command: 'psm-netcheck check -i merge-test.yaml --via-responder psm1' },
    ]);
  });

  it('counts every path once, and the ports nothing can probe stay beside a verified path', () => {
    const s = report.summary;
    expect(s.total).toBe(report.paths.length);
    expect(s.pass + s['cannot-verify'] + s['not-covered']).toBe(s.total);
    expect(s.conflict + s.fail + s.partial + s.warn).toBe(0);
    expect(pathOf(report, 't1-ftp/client-a/psm1')).toMatchObject({ status: 'pass', untestable: [{ ports: '20' }] });
    expect(report.unmatched).toEqual([]);
    expect(report.hosts.filter((host) => host.reported).map((host) => host.name)).toEqual(['psm1', 'client-a', 'client-b', 'ne-stand']);
  });
});

describe('merge: what each path says', () => {
  const fromClientA = (verdictOf: FakeRun['verdictOf'], extra: Partial<FakeRun> = {}): FakeRun => ({ from: 'client-a', verdictOf, ...extra });

  it('a pass through the responder and a failure of the direct probe on the same port: a conflict, both shown', () => {
    const report = merge([
      fromClientA(() => 'pass', { viaResponder: ['psm1'], startedAt: '2026-12-01T10:00:00.000Z' }),
      fromClientA((probe) => (probe.rows.includes('t1-rest') && probe.address === '192.0.2.10' ? 'fail' : 'pass'), { startedAt: '2026-12-02T10:00:00.000Z' }),
    ]);
    const rest = pathOf(report, 't1-rest/client-a/psm1');
    expect(rest.status).toBe('conflict');
    expect(rest.conflicts).toEqual(['192.0.2.10 tcp/9998']);
    expect(rest.observations.map((o) => [o.method, o.verdict])).toEqual([
      ['responder', 'pass'],
      ['direct', 'fail'],
    ]);
    expect(report.summary.conflict).toBe(1);
    // The other address agrees both ways: no conflict there, and none on the other paths.
    expect(pathOf(report, 't1-ssh/client-a/psm1').status).toBe('pass');
  });

  it('a later run of the same kind replaces an earlier one: the latest result counts', () => {
    const failing = (probe: Parameters<NonNullable<FakeRun['verdictOf']>>[0]) => (probe.rows.includes('t1-rest') ? 'fail' : 'pass');
    const fixed = merge([fromClientA(failing, { startedAt: '2026-12-01T10:00:00.000Z' }), fromClientA(() => 'pass', { startedAt: '2026-12-02T10:00:00.000Z' })]);
    expect(pathOf(fixed, 't1-rest/client-a/psm1')).toMatchObject({ status: 'pass', observations: [expect.objectContaining({ input: 1 })] });
    // Given in the other order, the dates still decide.
    const broken = merge([fromClientA(() => 'pass', { startedAt: '2026-12-02T10:00:00.000Z' }), fromClientA(failing, { startedAt: '2026-12-01T10:00:00.000Z' })]);
    expect(pathOf(broken, 't1-rest/client-a/psm1')).toMatchObject({ status: 'pass', observations: [expect.objectContaining({ input: 0 })] });
  });

  it('some probes of a path tested, none failing: partly tested, with what is missing and the command', () => {
    const report = merge([fromClientA((probe) => (probe.address.includes(':') ? undefined : 'pass'))]);
    const rest = pathOf(report, 't1-rest/client-a/psm1');
    expect(rest.status).toBe('partial');
    expect(rest.missing).toEqual(['2001:db8::10 tcp/9998']);
    expect(rest.next).toEqual({
      why: expect.stringContaining('not tested: 1 of 2 probes'),
      commands: [
        { host: 'psm1', command: 'psm-netcheck respond -i merge-test.yaml --from psm1 --for 30m' },
        { host: 'client-a', command: 'psm-netcheck check -i merge-test.yaml --from client-a --via-responder psm1' },
      ],
    });
  });

  it('a failure stays a failure even when other probes of the path were not tested', () => {
    const report = merge([fromClientA((probe) => (probe.address.includes(':') ? undefined : probe.rows.includes('t1-rest') ? 'fail' : 'pass'))]);
    expect(pathOf(report, 't1-rest/client-a/psm1')).toMatchObject({ status: 'fail', missing: ['2001:db8::10 tcp/9998'] });
  });

  it('skipped results test nothing', () => {
    const report = merge([fromClientA(() => 'skip')]);
    expect(pathOf(report, 't1-rest/client-a/psm1')).toMatchObject({ status: 'not-covered', observations: [] });
  });

  it('a port range not tested is listed as runs, not port by port', () => {
    const report = merge([{ from: 'psm1', verdictOf: (probe) => (probe.port === 10000 ? 'pass' : undefined) }]);
    expect(pathOf(report, 't1-rest-notification/psm1/client-a').missing).toEqual(['192.0.2.20 tcp/9999,10001-10100', '2001:db8::20 tcp/9999,10001-10100']);
    expect(collapsePoints(['a tcp/1', 'a tcp/2', 'a tcp/3', 'a tcp/5', 'a icmp', 'b udp/7'])).toEqual(['a icmp', 'a tcp/1-3,5', 'b udp/7']);
  });

  it('the commands that would cover a path: check from its initiator, through respond for a future PSM host', () => {
    const report = merge([]);
    expect(pathOf(report, 't5-snmp-traps/psm1/noc').next?.commands).toEqual([{ host: 'psm1', command: 'psm-netcheck check -i merge-test.yaml --from psm1' }]);
    expect(pathOf(report, 't4-icmp/client-b/ne-1').next?.commands).toEqual([{ host: 'client-b', command: 'psm-netcheck check -i merge-test.yaml --from client-b' }]);
    expect(pathOf(report, 't1-rest-notification/psm1/client-b').next?.commands.map((c) => c.host)).toEqual(['client-b', 'psm1']);
    expect(pathOf(report, 't1-rest/client-a/psm1').next?.why).toBe('no report comes from client-a');
  });

  it('results that match no path of the inventory are listed apart', () => {
    const stray: Report = fakeReport(inventory, { from: 'client-a' });
    const first = stray.results[0];
    if (first === undefined) throw new Error('no result');
    const report = mergeReports(
      inventory,
      [{ file: 'stray.json', report: { ...stray, results: [{ ...first, target: 'gone', id: 'gone/x' }, { ...first, address: '192.0.2.99', id: 'moved/x' }] } }],
      { inventoryLabel: 'merge-test.yaml' },
    );
    expect(report.unmatched).toEqual([
      expect.objectContaining({ id: 'gone/x', why: expect.stringContaining('made from another inventory?') }),
      expect.objectContaining({ id: 'moved/x', why: expect.stringContaining('not a probe of this path') }),
    ]);
  });

  it('refuses a report made from a host that is not in the inventory', () => {
    const other = fakeReport(inventory, { from: 'client-a' });
    const input = { file: 'other.json', report: { ...other, vantage: { name: 'elsewhere', roles: [] } } };
    expect(() => mergeReports(inventory, [input], { inventoryLabel: 'x' })).toThrow(NetcheckError);
    expect(() => mergeReports(inventory, [input], { inventoryLabel: 'x' })).toThrow(/other\.json: made from elsewhere, which is not a host/);
  });
});

describe('the merged report\'s JSON schema', () => {
  it('equals the committed schemas/coverage.schema.json (regenerate: npm run schemas)', () => {
    expect(readFileSync(new URL('../../schemas/coverage.schema.json', import.meta.url), 'utf8')).toBe(coverageSchemaText());
  });

  it('accepts what merge writes, conflicts, stand-ins and unmatched results included', () => {
    const ajv = new Ajv2020.default({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(COVERAGE_JSON_SCHEMA);
    const report = merge([...PREINSTALL, { from: 'client-a', startedAt: '2026-12-03T00:00:00.000Z', verdictOf: () => 'fail' }]);
    expect(report.summary.conflict).toBeGreaterThan(0);
    const valid = validate(JSON.parse(JSON.stringify(report)));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });
});
