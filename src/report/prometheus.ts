import { VERDICTS } from '../core/model.js';
import type { ProbeResult, Report } from './types.js';

/**
 * Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector or a
 * pushgateway. Labels stay bounded: `reason` is a catalogue code, never the free-text message.
 * Skipped probes tested nothing, so they get no per-probe samples; `psm_netcheck_results`
 * still counts them.
 */
export function formatPrometheus(report: Report): string {
  const probed = report.results.filter((result) => result.verdict !== 'skip');
  // Three families share each probe's label set: render it once.
  const labelled = probed.map((result) => ({ result, labels: renderLabels(probeLabels(result)) }));
  const families: Family[] = [
    {
      name: 'psm_netcheck_probe_success',
      help: 'Whether the path works as the matrix expects: 1 for pass or warn, 0 for fail.',
      samples: labelled.map(({ result, labels }) => [labels, result.verdict === 'fail' ? 0 : 1]),
    },
    {
      name: 'psm_netcheck_probe_duration_seconds',
      help: 'Time the probe took over all its attempts, in seconds.',
      samples: labelled.map(({ result, labels }) => [labels, msToSeconds(result.timings.total)]),
    },
    {
      name: 'psm_netcheck_probe_attempts',
      help: 'Attempts the probe made (retries happen only after a timeout).',
      samples: labelled.map(({ result, labels }) => [labels, result.attempts]),
    },
    {
      name: 'psm_netcheck_last_run_timestamp_seconds',
      help: 'When the run finished, in seconds since the Unix epoch.',
      samples: [['', Date.parse(report.finishedAt) / 1000]],
    },
    {
      name: 'psm_netcheck_run_duration_seconds',
      help: 'Wall-clock duration of the whole run, in seconds.',
      samples: [['', msToSeconds(report.durationMs)]],
    },
    {
      name: 'psm_netcheck_results',
      help: 'Probe results of the run by verdict.',
      samples: VERDICTS.map((verdict) => [renderLabels([['verdict', verdict]]), report.summary[verdict]]),
    },
    {
      name: 'psm_netcheck_run_complete',
      help: '1 when every planned probe finished, 0 when the run was interrupted.',
      samples: [['', report.complete ? 1 : 0]],
    },
  ];
  return families.map(renderFamily).join('');
}

type Label = readonly [name: string, value: string];
/** Rendered labels (`{a="1",b="2"}`, or empty) and the value. */
type Sample = readonly [labels: string, value: number];

interface Family {
  readonly name: string;
  readonly help: string;
  readonly samples: readonly Sample[];
}

function probeLabels(result: ProbeResult): Label[] {
  return [
    ['target', result.target],
    ['address', result.address],
    ['transport', result.transport],
    ['port', result.port === null ? '' : String(result.port)],
    ['probe', result.probe],
    ['application', result.application],
    ['reason', result.reason],
  ];
}

function renderFamily(family: Family): string {
  // Every family is a gauge: each run replaces the values rather than adding to them.
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} gauge`];
  for (const [labels, value] of family.samples) lines.push(`${family.name}${labels} ${formatValue(value)}`);
  return `${lines.join('\n')}\n`;
}

function renderLabels(labels: readonly Label[]): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([name, text]) => `${name}="${escapeLabelValue(text)}"`).join(',')}}`;
}

/** Label values escape backslash, double quote and line feed; nothing else is special. */
export function escapeLabelValue(text: string): string {
  return text.replace(/[\\"\n]/g, (char) => (char === '\n' ? '\\n' : `\\${char}`));
}

/** HELP text escapes backslash and line feed only. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (char) => (char === '\n' ? '\\n' : '\\\\'));
}

/** Microsecond resolution: enough for any probe, and no binary-fraction noise like 0.00041999999999999996. */
function msToSeconds(ms: number): number {
  return Math.round(ms * 1000) / 1e6;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
