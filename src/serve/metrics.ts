import { formatPrometheus, renderLabels } from '../report/prometheus.js';
import type { RunLoopSnapshot } from './scheduler.js';

interface LoopFamily {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly value: number;
}

/**
 * `/metrics`: the last run's families (the same as `--output prom=`), then the families of the
 * serve loop itself. Before the first run finishes only the loop's are there, so a scrape never
 * shows results that do not exist yet. Every series carries the `vantage` label, the loop's too:
 * one Prometheus scraping the checkers of several vantages tells them apart, and a stale or
 * overrunning checker is named in its alert.
 */
export function renderMetrics(snapshot: RunLoopSnapshot, vantage: string): string {
  const report = snapshot.lastReport === undefined ? '' : formatPrometheus(snapshot.lastReport);
  const labels = renderLabels([['vantage', vantage]]);
  return report + loopFamilies(snapshot).map((family) => renderFamily(family, labels)).join('');
}

function loopFamilies(snapshot: RunLoopSnapshot): LoopFamily[] {
  return [
    { name: 'psm_netcheck_runs_total', type: 'counter', help: 'Runs finished with a report since serve started.', value: snapshot.runs },
    {
      name: 'psm_netcheck_run_overruns_total',
      type: 'counter',
      help: 'Interval ticks that found the previous run still going and so started none.',
      value: snapshot.overruns,
    },
    {
      name: 'psm_netcheck_run_errors_total',
      type: 'counter',
      help: 'Runs that ended in an internal error instead of a report.',
      value: snapshot.errors,
    },
    { name: 'psm_netcheck_run_in_progress', type: 'gauge', help: '1 while a run is going.', value: snapshot.running ? 1 : 0 },
  ];
}

/** Families with fixed names and help (nothing to escape there), labelled with the vantage. */
function renderFamily(family: LoopFamily, labels: string): string {
  return `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n${family.name}${labels} ${family.value}\n`;
}
