import { formatPrometheus } from '../report/prometheus.js';
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
 * shows results that do not exist yet.
 */
export function renderMetrics(snapshot: RunLoopSnapshot): string {
  const report = snapshot.lastReport === undefined ? '' : formatPrometheus(snapshot.lastReport);
  return report + loopFamilies(snapshot).map(renderFamily).join('');
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

/** Unlabelled families with fixed names and help: nothing here needs escaping. */
function renderFamily(family: LoopFamily): string {
  return `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n${family.name} ${family.value}\n`;
}
