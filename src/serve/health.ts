import type { RunLoopSnapshot } from './scheduler.js';

export type HealthStatus = 'ok' | 'starting' | 'failing' | 'stale' | 'incomplete';

export interface Health {
  readonly healthy: boolean;
  readonly body: {
    readonly status: HealthStatus;
    /** Seconds since the last run finished (null before the first). */
    readonly lastRunAgeSeconds: number | null;
    readonly lastRunFinishedAt: string | null;
    readonly intervalSeconds: number;
    readonly running: boolean;
    readonly runs: number;
    readonly overruns: number;
    readonly errors: number;
  };
}

/**
 * `/healthz` says whether the checker itself works, not whether the network does (that is what
 * /metrics and /report.json are for): healthy when the last run completed and finished less than
 * two intervals ago. An overrun alone is no failure (it is counted in the body and in /metrics),
 * but runs that keep outliving the interval leave the last result stale, and that is.
 */
export function assessHealth(snapshot: RunLoopSnapshot, intervalMs: number, nowMs: number): Health {
  const report = snapshot.lastReport;
  const age = snapshot.lastFinishedAt === undefined ? null : Math.max(0, nowMs - snapshot.lastFinishedAt);
  const status = statusOf(snapshot, age, intervalMs);
  return {
    healthy: status === 'ok',
    body: {
      status,
      lastRunAgeSeconds: age === null ? null : Math.round(age) / 1000,
      lastRunFinishedAt: report?.finishedAt ?? null,
      intervalSeconds: intervalMs / 1000,
      running: snapshot.running,
      runs: snapshot.runs,
      overruns: snapshot.overruns,
      errors: snapshot.errors,
    },
  };
}

function statusOf(snapshot: RunLoopSnapshot, age: number | null, intervalMs: number): HealthStatus {
  if (snapshot.lastReport === undefined || age === null) return snapshot.errors > 0 ? 'failing' : 'starting';
  if (!snapshot.lastReport.complete) return 'incomplete';
  return age > 2 * intervalMs ? 'stale' : 'ok';
}
