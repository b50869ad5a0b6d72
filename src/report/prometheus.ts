import { VERDICTS } from '../core/model.js';
import type { ProbeResult, Report } from './types.js';

/**
 * Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector, a
 * pushgateway, or `serve`'s /metrics. As blackbox_exporter does, and as the naming guide asks
 * (prometheus.io/docs/practices/naming):
 * - a series' labels identify what was probed and from where, never how it went: a path that
 *   breaks keeps its series (graphs and `for:` clauses go on) and only the value changes;
 * - labels are ids (vantage, matrix table and row, probe kind, target, address, transport,
 *   port), never free text such as an inventory description, so their values stay bounded;
 * - how it went, beyond success, is the info-style series `psm_netcheck_probe_outcome_info`,
 *   value 1, whose labels add the verdict, state, reason code and expectation: join it on the
 *   probe's labels when an alert should say why;
 * - base units in the name (`_seconds`), every family with HELP and TYPE; all gauges, since
 *   each run replaces the values rather than adding to them.
 * Skipped probes tested nothing: they have no success, duration or attempts sample, only their
 * outcome (verdict "skip", with its reason).
 */
export function formatPrometheus(report: Report): string {
  const vantage: Label = ['vantage', report.vantage.name];
  const probed = report.results.filter((result) => result.verdict !== 'skip');
  // Several families share each probe's label set: render it once.
  const labelled = new Map(report.results.map((result) => [result, probeLabels(vantage, result)]));
  const labelsOf = (result: ProbeResult): string => renderLabels(labelled.get(result) ?? []);
  const families: Family[] = [
    {
      name: 'psm_netcheck_probe_success',
      help: 'Whether the path works as the port matrix expects: 1 for pass or warn, 0 for fail.',
      samples: probed.map((result) => [labelsOf(result), result.verdict === 'fail' ? 0 : 1]),
    },
    {
      name: 'psm_netcheck_probe_duration_seconds',
      help: 'Time the probe took over all its attempts, in seconds.',
      samples: probed.map((result) => [labelsOf(result), msToSeconds(result.timings.total)]),
    },
    {
      name: 'psm_netcheck_probe_attempts',
      help: 'Attempts the probe made (retries happen only after a timeout).',
      samples: probed.map((result) => [labelsOf(result), result.attempts]),
    },
    {
      name: 'psm_netcheck_probe_outcome_info',
      help: 'Always 1: the outcome of the probe in its labels (verdict, state, reason code, expected state), to join on the probe labels.',
      samples: report.results.map((result) => [
        renderLabels([
          ...(labelled.get(result) ?? []),
          ['verdict', result.verdict],
          ['state', result.state],
          ['reason', result.reason],
          ['expected', result.expected],
        ]),
        1,
      ]),
    },
    {
      name: 'psm_netcheck_last_run_timestamp_seconds',
      help: 'When the run finished, in seconds since the Unix epoch.',
      samples: [[renderLabels([vantage]), Date.parse(report.finishedAt) / 1000]],
    },
    {
      name: 'psm_netcheck_run_duration_seconds',
      help: 'Wall-clock duration of the whole run, in seconds.',
      samples: [[renderLabels([vantage]), msToSeconds(report.durationMs)]],
    },
    {
      name: 'psm_netcheck_results',
      help: 'Probe results of the run by verdict.',
      samples: VERDICTS.map((verdict) => [renderLabels([vantage, ['verdict', verdict]]), report.summary[verdict]]),
    },
    {
      name: 'psm_netcheck_not_testable_paths',
      help: 'Paths of the port matrix for this inventory that this vantage cannot test (another vantage can).',
      samples: [[renderLabels([vantage]), report.notTestable.length]],
    },
    ...loopDelayFamilies(report, vantage),
    {
      name: 'psm_netcheck_run_complete',
      help: '1 when every planned probe finished, 0 when the run was interrupted.',
      samples: [[renderLabels([vantage]), report.complete ? 1 : 0]],
    },
    ...pathFamilies(report, vantage, labelled),
  ];
  return families.map(renderFamily).join('');
}

/**
 * Where paths break (check with CAP_NET_RAW): who sent the ICMP error a probe caused, and the last
 * hop that answered on a silent path. Families appear only when the run has such facts, so a
 * report without them renders as before.
 */
function pathFamilies(report: Report, vantage: Label, labelled: ReadonlyMap<ProbeResult, Label[]>): Family[] {
  const section = report.pathDiagnosis;
  if (section === undefined) return [];
  const withIcmp = report.results.filter((result) => result.icmp !== undefined);
  const located = report.results.filter((result) => result.locate !== undefined);
  return [
    {
      name: 'psm_netcheck_icmp_observer_on',
      help: '1 when the ICMP error observer ran (needs CAP_NET_RAW), 0 when the results keep the socket classification only.',
      samples: [[renderLabels([vantage]), section.icmpObserver.on ? 1 : 0]],
    },
    {
      name: 'psm_netcheck_locate_on',
      help: '1 when --locate ran (needs CAP_NET_RAW), 0 when silent paths were not located.',
      samples: [[renderLabels([vantage]), section.locate.on ? 1 : 0]],
    },
    {
      name: 'psm_netcheck_locate_skipped_paths',
      help: 'Silent paths --locate left out in this run: over --locate-max-paths or past its time budget.',
      samples: [[renderLabels([vantage]), section.locate.skipped]],
    },
    ...(withIcmp.length === 0
      ? []
      : [
          {
            name: 'psm_netcheck_probe_icmp_error_info',
            help: 'Always 1: the ICMP error the probe caused, its reason code and who sent it (the target or a router).',
            samples: withIcmp.map((result): Sample => [
              renderLabels([
                ...(labelled.get(result) ?? []),
                ['icmp_reason', result.icmp?.reason ?? ''],
                ['icmp_type', String(result.icmp?.type ?? '')],
                ['icmp_code', String(result.icmp?.code ?? '')],
                ['sender', result.icmp?.from ?? ''],
                ['sender_is_target', result.icmp?.fromTarget === true ? 'true' : 'false'],
              ]),
              1,
            ]),
          },
        ]),
    ...(located.length === 0
      ? []
      : [
          {
            name: 'psm_netcheck_probe_locate_last_hop',
            help: 'For a silent path (--locate): the last hop (TTL) that answered probes shaped like this one; 0 when none did.',
            samples: located.map((result): Sample => [
              renderLabels([
                ...(labelled.get(result) ?? []),
                ['method', result.locate?.method ?? ''],
                ['hop_address', result.locate?.lastHopAddress ?? ''],
              ]),
              result.locate?.lastHop ?? 0,
            ]),
          },
        ]),
  ];
}

/**
 * How late the event loop ran during the run (reports of versions before it have none): the
 * probe durations above include that lateness, so an alert on latency can check these first.
 */
function loopDelayFamilies(report: Report, vantage: Label): Family[] {
  const delay = report.loopDelay;
  if (delay === undefined) return [];
  const labels = renderLabels([vantage]);
  return [
    {
      name: 'psm_netcheck_event_loop_delay_p99_seconds',
      help: "99th percentile of how late the checker's event loop ran during the run, in seconds: probe durations may include it.",
      samples: [[labels, msToSeconds(delay.p99Ms)]],
    },
    {
      name: 'psm_netcheck_event_loop_delay_max_seconds',
      help: "Most the checker's event loop ran late during the run, in seconds.",
      samples: [[labels, msToSeconds(delay.maxMs)]],
    },
    ...(delay.lane === undefined
      ? []
      : [
          {
            name: 'psm_netcheck_timing_lane_loop_delay_p99_seconds',
            help: "99th percentile of how late the lanes' loops (NTP and TCP probes in a thread of their own, ICMP echo in a process of its own; the worse of the two) ran during the run, in seconds.",
            samples: [[labels, msToSeconds(delay.lane.p99Ms)]] as Sample[],
          },
          {
            name: 'psm_netcheck_timing_lane_loop_delay_max_seconds',
            help: "Most the lanes' loops ran late during the run, in seconds.",
            samples: [[labels, msToSeconds(delay.lane.maxMs)]] as Sample[],
          },
        ]),
    {
      name: 'psm_netcheck_late_timed_results',
      help: `Results of the run timed while the event loop ran at least ${delay.lateMs} ms late (their durations may be that much too long).`,
      samples: [[labels, delay.lateResults]],
    },
    ...(delay.laneResults === undefined
      ? []
      : [
          {
            name: 'psm_netcheck_timing_lane_results',
            help: "Results of the run timed in a lane of their own (NTP and plain TCP connects in a thread, ICMP echo in a process), which the main event loop's delay does not touch.",
            samples: [[labels, delay.laneResults]] as Sample[],
          },
        ]),
  ];
}

export type Label = readonly [name: string, value: string];
/** Rendered labels (`{a="1",b="2"}`, or empty) and the value. */
type Sample = readonly [labels: string, value: number];

interface Family {
  readonly name: string;
  readonly help: string;
  readonly samples: readonly Sample[];
}

/**
 * What was probed, from where: the same labels whatever the outcome. `table` is the vendor's
 * table the report shows the probe under (the first of its tables; `inventory` for a path only
 * the inventory declares), `row` its matrix rows (usually one; several joined by commas).
 */
function probeLabels(vantage: Label, result: ProbeResult): Label[] {
  const tables = result.tables.filter((table) => table > 0);
  return [
    vantage,
    ['table', tables.length === 0 ? 'inventory' : String(Math.min(...tables))],
    ['row', result.rows.join(',')],
    ['probe', result.probe],
    ['target', result.target],
    ['address', result.address],
    ['transport', result.transport],
    ['port', result.port === null ? '' : String(result.port)],
  ];
}

function renderFamily(family: Family): string {
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} gauge`];
  for (const [labels, value] of family.samples) lines.push(`${family.name}${labels} ${formatValue(value)}`);
  return `${lines.join('\n')}\n`;
}

export function renderLabels(labels: readonly Label[]): string {
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
