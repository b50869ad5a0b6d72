import type { Verdict } from '../../src/core/model.js';
import type { Inventory } from '../../src/inventory/types.js';
import { MATRIX } from '../../src/matrix/rows.js';
import { planChecks } from '../../src/planner/plan.js';
import type { PlannedProbe } from '../../src/planner/types.js';
import { findVantage } from '../../src/planner/vantage.js';
import { countVerdicts } from '../../src/report/build.js';
import { REPORT_SCHEMA_VERSION, type ProbeResult, type Report } from '../../src/report/types.js';

/**
 * JSON reports as `check` would write them, built from the real planner without sending a packet:
 * merge reads only reports, so its tests need reports of known content, not a network. The
 * verdict of each planned probe comes from `verdictOf` (pass by default); the namespace test
 * (test/real/ansible-deployment.test.ts) merges reports of real runs.
 */
export interface FakeRun {
  readonly from: string;
  readonly viaResponder?: readonly string[];
  readonly startedAt?: string;
  /** The verdict of a planned probe; undefined drops the probe from the report (a run with --only). */
  readonly verdictOf?: (probe: PlannedProbe) => Verdict | undefined;
}

export function fakeReport(inventory: Inventory, run: FakeRun): Report {
  const vantage = findVantage(inventory, run.from);
  const plan = planChecks(inventory, vantage, MATRIX, run.viaResponder === undefined ? {} : { viaResponder: run.viaResponder });
  const startedAt = run.startedAt ?? '2026-12-01T10:00:00.000Z';
  const results: ProbeResult[] = [];
  for (const probe of plan.probes) {
    const verdict = run.verdictOf === undefined ? 'pass' : run.verdictOf(probe);
    if (verdict === undefined) continue;
    results.push({
      id: probe.id,
      rows: [...probe.rows],
      tables: [...probe.tables],
      application: probe.application,
      probe: probe.probe,
      source: vantage.name,
      target: probe.target,
      targetRole: probe.targetRole,
      address: probe.address,
      transport: probe.transport,
      port: probe.port ?? null,
      expected: probe.expected,
      state: verdict === 'fail' ? 'filtered' : 'open',
      reason: verdict === 'fail' ? 'timeout' : probe.probe.startsWith('responder-') ? 'responder-answered' : 'connected',
      attempts: 1,
      timings: { total: 1 },
      evidence: {},
      findings: [],
      verdict,
      message: verdict === 'fail' ? 'expected open, got filtered (timeout)' : 'answered',
      startedAt,
    });
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'psm-netcheck', version: '0.0.0-test' },
    inventory: inventory.source,
    startedAt,
    finishedAt: startedAt,
    durationMs: 1,
    vantage: { name: vantage.name, roles: [...vantage.roles] },
    complete: true,
    summary: countVerdicts(results),
    results,
    notTestable: plan.notTestable,
  };
}
