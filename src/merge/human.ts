import { oneLine, plural } from '../report/text.js';
import { hostLabels } from './host-groups.js';
import type { CoveragePath, CoverageReport, Observation, PathStatus } from './types.js';

export interface CoverageHumanOptions {
  /** One line per verified path instead of a count per host pair. */
  readonly verbose: boolean;
}

/** Lines are cut to this width (free text ends in an ellipsis); commands are never cut. */
const WIDTH = 100;
/** Results shown per path under a failure or a conflict; the JSON and HTML reports have them all. */
const RESULTS_PER_PATH = 4;
const LIST_LIMIT = 20;

/**
 * The merged report for people: what was merged, the answer (how many paths are verified, and
 * which are not), then what needs attention, most urgent first: conflicts, failures, what is not
 * covered yet with the commands that would cover it, what cannot be verified and why.
 */
export function formatCoverageHuman(report: CoverageReport, options: CoverageHumanOptions = { verbose: false }): string {
  const lines: string[] = [];
  lines.push(`psm-netcheck merge: ${report.inventory}, ${plural(report.inputs.length, 'report')}`);
  for (const input of report.inputs) {
    const state = input.complete ? 'complete' : 'INCOMPLETE';
    lines.push(fit(`  ${input.vantage.padEnd(14)} ${input.startedAt}  ${state.padEnd(10)} ${plural(input.results, 'result').padEnd(12)} ${input.file}`));
  }
  lines.push('', ...summaryBlock(report), '');

  const byStatus = (status: PathStatus) => report.paths.filter((path) => path.status === status);
  section(lines, 'CONFLICTS: one method passes where another fails; both shown', byStatus('conflict'), conflictLines);
  section(lines, 'FAILURES', byStatus('fail'), failureLines);
  section(lines, 'NOT COVERED YET, and the commands that would cover them', [...byStatus('not-covered'), ...byStatus('partial')], () => [], coverGroups);
  section(lines, 'CANNOT BE VERIFIED', byStatus('cannot-verify'), () => [], cannotGroups);
  const verified = report.paths.filter((path) => path.status === 'warn' || path.status === 'pass');
  const labels = hostLabels(report.hosts);
  section(lines, 'VERIFIED', verified, options.verbose ? verifiedLine : () => [], options.verbose ? undefined : (paths) => verifiedByPair(paths, labels));
  if (report.unmatched.length > 0) {
    lines.push(`RESULTS THAT MATCH NO PATH OF THIS INVENTORY (${report.unmatched.length})`);
    for (const entry of report.unmatched.slice(0, LIST_LIMIT)) lines.push(fit(`  ${entry.id}: ${entry.why}`));
    if (report.unmatched.length > LIST_LIMIT) lines.push(`  ... and ${report.unmatched.length - LIST_LIMIT} more (JSON: unmatched)`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function summaryBlock(report: CoverageReport): string[] {
  const s = report.summary;
  const tested = s.pass + s.warn + s.fail + s.conflict;
  const open = s.conflict + s.fail + s['not-covered'] + s.partial;
  const answer =
    open === 0
      ? `every path is verified${s['cannot-verify'] > 0 ? ' or cannot be (reasons below)' : ''}`
      : `${plural(open, 'path')} ${open === 1 ? 'needs' : 'need'} attention`;
  const lines = [
    `${plural(s.total, 'matrix path')} for this inventory: ${answer}`,
    `  tested         ${tested}: ${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.conflict} conflict`,
    `  not yet        ${s['not-covered'] + s.partial}: ${s['not-covered']} not covered, ${s.partial} partly tested`,
    `  cannot be      ${s['cannot-verify']}`,
    '',
    'TABLE  PATHS  PASS  WARN  FAIL  CONFLICT  PARTIAL  NOT COVERED  CANNOT',
  ];
  const tables = [...new Set(report.paths.map((path) => path.table))].sort((a, b) => (a || 99) - (b || 99));
  for (const table of tables) {
    const paths = report.paths.filter((path) => path.table === table);
    const n = (status: PathStatus) => String(paths.filter((path) => path.status === status).length);
    lines.push(
      `${(table === 0 ? 'inv' : String(table)).padEnd(5)}  ${String(paths.length).padStart(5)}  ${n('pass').padStart(4)}  ${n('warn').padStart(4)}  ` +
        `${n('fail').padStart(4)}  ${n('conflict').padStart(8)}  ${n('partial').padStart(7)}  ${n('not-covered').padStart(11)}  ${n('cannot-verify').padStart(6)}`,
    );
  }
  return lines;
}

function section(
  lines: string[],
  title: string,
  paths: readonly CoveragePath[],
  each: (path: CoveragePath) => string[],
  grouped?: (paths: readonly CoveragePath[]) => string[],
): void {
  if (paths.length === 0) return;
  lines.push(`${title} (${paths.length})`);
  if (grouped !== undefined) lines.push(...grouped(paths));
  else for (const path of paths) lines.push(...each(path));
  lines.push('');
}

function pathLine(path: CoveragePath, prefix = ''): string {
  const ports = path.ports.length === 0 ? path.transport : `${path.transport}/${path.ports.join(',')}`;
  return fit(`  ${prefix}${path.row}  ${path.from} -> ${path.to}  ${ports}  ${path.application}`);
}

function resultLines(observation: Observation, points?: ReadonlySet<string>): string[] {
  const shown = observation.results.filter((result) => (points === undefined ? result.verdict === 'fail' || result.verdict === 'warn' : points.has(result.point)));
  const lines = shown.slice(0, RESULTS_PER_PATH).map((result) => {
    const state = `${result.state} (${result.reason})`;
    // Messages that already begin with the state do not get it twice.
    const message = result.message.startsWith(state) ? result.message : `${state}: ${result.message}`;
    return fit(`      ${result.verdict.toUpperCase().padEnd(4)}  ${result.point}  ${oneLine(message)}`);
  });
  if (shown.length > RESULTS_PER_PATH) lines.push(`      ... and ${shown.length - RESULTS_PER_PATH} more`);
  return lines;
}

function observationHeader(observation: Observation): string {
  const how = observation.method === 'responder' ? 'through the responder' : 'directly';
  return `    ${observation.verdict.toUpperCase()} ${how}, from ${observation.vantage} (report ${observation.input + 1})`;
}

function conflictLines(path: CoveragePath): string[] {
  const points = new Set(path.conflicts);
  return [pathLine(path), ...path.observations.flatMap((observation) => [observationHeader(observation), ...resultLines(observation, points)])];
}

function failureLines(path: CoveragePath): string[] {
  return [
    pathLine(path),
    ...path.observations
      .filter((observation) => observation.verdict === 'fail')
      .flatMap((observation) => [observationHeader(observation), ...resultLines(observation)]),
  ];
}

/** One group per set of commands: several paths are usually covered by the same one or two commands. */
function coverGroups(paths: readonly CoveragePath[]): string[] {
  const groups = new Map<string, CoveragePath[]>();
  for (const path of paths) {
    const key = (path.next?.commands ?? []).map((command) => `${command.host}\u0000${command.command}`).join('\u0001');
    push(groups, key, path);
  }
  const lines: string[] = [];
  for (const group of groups.values()) {
    const commands = group[0]?.next?.commands ?? [];
    commands.forEach((command, index) => lines.push(fit(`  ${index === 0 ? 'on' : 'then on'} ${command.host}:`), `    ${command.command}`));
    const whys = new Set(group.map((path) => path.next?.why ?? ''));
    const sameWhy = whys.size === 1 ? [...whys][0] : undefined;
    lines.push(`  covers ${plural(group.length, 'path')}${sameWhy === undefined ? ':' : ''}`);
    if (sameWhy !== undefined) lines.push(...wrap(`(${sameWhy}):`, '    ', '    '));
    for (const path of group.slice(0, LIST_LIMIT)) {
      lines.push(pathLine(path, `  ${path.status === 'partial' ? 'PARTIAL ' : ''}`));
      if (sameWhy === undefined) lines.push(fit(`        ${path.next?.why ?? ''}`));
    }
    if (group.length > LIST_LIMIT) lines.push(`      ... and ${group.length - LIST_LIMIT} more (JSON or HTML report: every path)`);
  }
  return lines;
}

function cannotGroups(paths: readonly CoveragePath[]): string[] {
  const groups = new Map<string, CoveragePath[]>();
  for (const path of paths) {
    const why = path.next?.why ?? '';
    push(groups, why, path);
  }
  const lines: string[] = [];
  for (const [why, group] of groups) {
    lines.push(...wrap(why, '  ', '    '));
    for (const path of group.slice(0, LIST_LIMIT)) lines.push(pathLine(path, '  '));
    if (group.length > LIST_LIMIT) lines.push(`      ... and ${group.length - LIST_LIMIT} more`);
  }
  return lines;
}

function verifiedLine(path: CoveragePath): string[] {
  const how = path.observations.map((o) => `${o.method === 'responder' ? 'responder' : 'direct'}`).join('+');
  const ports = path.ports.length === 0 ? path.transport : `${path.transport}/${path.ports.join(',')}`;
  return [fit(`  ${path.status.toUpperCase().padEnd(4)}  ${path.row}  ${path.from} -> ${path.to}  ${ports}  ${how}`)];
}

/** Verified paths counted per host pair; a role with many hosts (the elements) counts as one. */
function verifiedByPair(paths: readonly CoveragePath[], labels: ReadonlyMap<string, string>): string[] {
  const pairs = new Map<string, CoveragePath[]>();
  for (const path of paths) {
    const key = `${labels.get(path.from) ?? path.from} -> ${labels.get(path.to) ?? path.to}`;
    push(pairs, key, path);
  }
  const lines = [...pairs].map(([pair, group]) => {
    const warn = group.filter((path) => path.status === 'warn').length;
    const how = [...new Set(group.flatMap((path) => path.observations.map((o) => (o.method === 'responder' ? 'through the responder' : 'directly'))))].join(' and ');
    return fit(`  ${pair}: ${plural(group.length, 'path')} (${group.length - warn} pass, ${warn} warn), ${how}`);
  });
  return [...lines, '  (--verbose: one line per path)'];
}

function push<T>(groups: Map<string, T[]>, key: string, item: T): void {
  const group = groups.get(key);
  if (group === undefined) groups.set(key, [item]);
  else group.push(item);
}

/** One line of at most WIDTH characters: longer text is cut and ends in an ellipsis. */
function fit(line: string): string {
  return line.length <= WIDTH ? line : `${line.slice(0, WIDTH - 1)}\u2026`;
}

/** Text wrapped at word boundaries to WIDTH. */
function wrap(text: string, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of oneLine(text).split(' ')) {
    if (line.length + word.length + 1 > WIDTH && line.trim() !== '') {
      lines.push(line.trimEnd());
      line = rest;
    }
    line += `${word} `;
  }
  lines.push(line.trimEnd());
  return lines;
}
