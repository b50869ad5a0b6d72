import type { Lab, LabFault } from '../lab/index.js';
import type { ProbeResult, Report } from '../report/types.js';

/**
 * What `demo` says around its report, so that a first-time user reads the failures as what they
 * are: faults planted on purpose in a simulated deployment, each found and named.
 */

const WIDTH = 100;

/** Before the report: what runs, from where, why the ports look odd, and what is broken on purpose. */
export function demoIntroduction(lab: Lab): string {
  const elements = lab.hosts.filter((host) => host.roles.includes('network-element'));
  const types = [...new Set(elements.map((host) => host.neType ?? ''))].filter(Boolean);
  const others = lab.hosts.length - elements.length;
  const lines = [
    `psm-netcheck demo: a simulated PSM deployment on this machine's loopback (${lab.network}).`,
    `${lab.hosts.length} hosts: ${elements.length} network elements (${types.join(', ')})`,
    `and ${others} others (PSM servers and client, NOC, RADIUS, NTP, DNS, FTP, HTTP).`,
    `It is checked from ${lab.vantage}, exactly as \`psm-netcheck check\` checks a real PSM server's paths.`,
    'The ports are the vendor\'s numbers moved up by 20000 (SSH 22 -> 20022, NETCONF 830 -> 20830): the',
    'demo runs without root, and ports below 1024 need it. Nothing leaves this machine.',
    '',
    `${lab.faults.length} faults are planted on purpose, so the report below has failures and warnings:`,
    ...lab.faults.map((fault) => `  - ${fault.host}: ${fault.description}`),
    '',
  ];
  return `${lines.map((line) => clip(line)).join('\n')}\n`;
}

/** After the report: each planted fault next to what the checker found there, then what to do next. */
export function demoEpilogue(lab: Lab, report: Report): string {
  const faultResults = lab.faults.map((fault) => ({ fault, found: resultsOf(fault, report.results) }));
  const planted = new Set(faultResults.flatMap(({ found }) => found));
  const unexpected = report.results.filter((result) => result.verdict !== 'pass' && result.verdict !== 'skip' && !planted.has(result));
  const name = Math.max(...lab.faults.map((fault) => fault.host.length));
  const lines = ['', 'Planted faults, and what psm-netcheck found:'];
  for (const { fault, found } of faultResults) {
    const first = found[0];
    const what = first === undefined ? 'NOT FOUND' : `${first.verdict.toUpperCase()} ${first.probe} ${portText(first)}: ${first.state} (${first.reason})`;
    const more = found.length > 1 ? ` (+${found.length - 1} more)` : '';
    lines.push(clip(`  ${fault.host.padEnd(name)}  ${what}${more}`));
  }
  const passed = report.summary.pass;
  lines.push(
    '',
    unexpected.length === 0
      ? `Every other path passed (${passed} passed in all): the failures above are the planted ones, each with its reason.`
      : `Not planted, yet not passing (${unexpected.length}): ${unexpected
          .slice(0, 3)
          .map((result) => `${result.target} ${result.probe} ${portText(result)} (${result.reason})`)
          .join(', ')}${unexpected.length > 3 ? ', ...' : ''}.\n` +
        'On a busy machine the demo\'s 1 s deadline can run out: `psm-netcheck demo --timeout 5s`.',
    '',
    'Next: describe your deployment in an inventory (inventory.example.yaml, docs/inventory-format.md)',
    'and run `psm-netcheck check -i inventory.yaml` on the PSM server.',
  );
  return `${lines.map((line) => clip(line)).join('\n')}\n`;
}

function resultsOf(fault: LabFault, results: readonly ProbeResult[]): ProbeResult[] {
  return results.filter(
    (result) =>
      result.target === fault.host &&
      result.verdict !== 'pass' &&
      fault.ports.some((port) => port.port === result.port && port.transport === result.transport),
  );
}

function portText(result: ProbeResult): string {
  return result.port === null ? result.transport : `${result.transport}/${result.port}`;
}

function clip(line: string): string {
  return line.length <= WIDTH ? line : `${line.slice(0, WIDTH - 1)}…`;
}
