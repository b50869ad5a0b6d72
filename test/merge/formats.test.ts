import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { formatCoverageHtml } from '../../src/merge/html.js';
import { formatCoverageHuman } from '../../src/merge/human.js';
import { formatCoverageJson } from '../../src/merge/json.js';
import { mergeReports } from '../../src/merge/merge.js';
import type { CoverageReport } from '../../src/merge/types.js';
import type { Report } from '../../src/report/types.js';
import { binary, missing, titleWith } from '../support/skip.js';
import { fakeReport } from './reports.js';

const HOSTILE = 'peer said <script>alert("pwned")</script>\n"quoted" & \'single\'\r\n\u001b[31mred</td></table>';

const inventory = parseInventory(
  `
hosts:
  - { name: psm1, role: psm-server, addresses: [192.0.2.10] }
  - { name: client-a, role: psm-client, addresses: [192.0.2.20] }
  - { name: client-b, role: psm-client, addresses: [192.0.2.21] }
  - { name: ne-stand, role: network-element, neType: bti7800, addresses: [192.0.2.30] }
  - { name: ne-1, role: network-element, neType: bti7800, addresses: [198.51.100.1] }
  - { name: ne-mx, role: network-element, neType: juniper-mx, addresses: [198.51.100.2] }
responder:
  token: { env: MERGE_TEST_TOKEN_NOT_SET }
`,
  'deployment.yaml',
  '/tmp',
  { requireSecrets: false },
);

/**
 * One merged report with every state: client-a's REST port passes through the responder and fails
 * directly (a conflict, with a hostile peer message); client-b fails its SSH port; the server's
 * notifications to client-b were tested on one port only; ne-stand stands in for the other
 * BTI7800, nobody for the Juniper.
 */
function sample(): CoverageReport {
  const reports: Report[] = [
    fakeReport(inventory, { from: 'psm1', viaResponder: ['client-a', 'client-b', 'ne-stand'], verdictOf: (p) => (p.target === 'client-b' && p.port !== 9999 ? undefined : 'pass') }),
    fakeReport(inventory, { from: 'client-a', viaResponder: ['psm1', 'ne-stand'] }),
    fakeReport(inventory, { from: 'client-b', viaResponder: ['psm1', 'ne-stand'], verdictOf: (p) => (p.rows.includes('t1-ssh') ? 'fail' : 'pass') }),
    fakeReport(inventory, { from: 'ne-stand', viaResponder: ['psm1'] }),
  ];
  const direct = fakeReport(inventory, { from: 'client-a', startedAt: '2026-12-02T10:00:00.000Z', verdictOf: (p) => (p.rows.includes('t1-rest') ? 'fail' : undefined) });
  const hostile: Report = { ...direct, results: direct.results.map((result) => ({ ...result, message: HOSTILE })) };
  return mergeReports(
    inventory,
    [...reports, hostile].map((report, index) => ({ file: `report-${index + 1}.json`, report })),
    { inventoryLabel: 'deployment.yaml' },
  );
}

const report = sample();

describe('the merged report for people', () => {
  const text = formatCoverageHuman(report);

  it('answers first, then lists conflicts, failures and what would cover the rest', () => {
    expect(report.summary).toMatchObject({ conflict: 1, fail: 1, partial: 1 });
    expect(text).toContain('psm-netcheck merge: deployment.yaml, 5 reports');
    expect(text).toMatch(/matrix paths for this inventory: \d+ paths need attention/);
    const order = ['CONFLICTS', 'FAILURES', 'NOT COVERED YET', 'CANNOT BE VERIFIED', 'VERIFIED'].map((title) => text.indexOf(`\n${title}`));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] ?? 0)))).toBe(true);
    expect(text).toContain('    PASS through the responder, from client-a (report 2)');
    expect(text).toContain('    FAIL directly, from client-a (report 5)');
    expect(text).toContain('    psm-netcheck respond -i deployment.yaml --from psm1 --for 30m');
    expect(text).toContain('  PARTIAL t1-rest-notification  psm1 -> client-b');
  });

  it('fits 100 columns, commands apart, and shows peer text without acting on it', () => {
    for (const line of text.split('\n')) {
      if (!line.startsWith('    psm-netcheck ')) expect(line.length, line).toBeLessThanOrEqual(100);
    }
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text).toContain('peer said <script>');
  });

  it('collapses verified paths per host pair unless asked for each', () => {
    expect(text).toMatch(/ {2}client-a -> ne-stand: \d+ paths \(\d+ pass, 0 warn\), directly and through the responder/);
    expect(formatCoverageHuman(report, { verbose: true })).toMatch(/ {2}PASS {2}t4-shell {2}client-a -> ne-stand {2}tcp\/2024 {2}responder/);
  });
});

describe('the merged report as JSON', () => {
  it('is indented, with one line per host, path and unmatched result, and parses back to the same report', () => {
    const text = formatCoverageJson(report);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(report)));
    const lines = text.split('\n');
    expect(lines.filter((line) => line.startsWith('    {"id":"')).length).toBe(report.paths.length);
    expect(lines.filter((line) => line.startsWith('    {"name":"')).length).toBe(report.hosts.length);
    expect(text).toMatch(/^\{\n {2}"schemaVersion": 1,\n/);
    expect(text).toMatch(/\n {2}"unmatched": \[\]\n\}\n$/);
  });
});

describe('a deployment with many elements, for people', () => {
  it('counts the verified paths per role when a role has too many hosts to list', () => {
    const hosts = Array.from({ length: 30 }, (_, i) => `  - { name: ne-${i}, role: network-element, neType: bti700, addresses: [198.51.100.${i + 10}] }`);
    const big = parseInventory(`hosts:\n  - { name: psm1, role: psm-server, addresses: [192.0.2.10] }\n${hosts.join('\n')}\n`, 'big.yaml', '/tmp', { requireSecrets: false });
    const text = formatCoverageHuman(mergeReports(big, [{ file: 'psm1.json', report: fakeReport(big, { from: 'psm1' }) }], { inventoryLabel: 'big.yaml' }));
    expect(text).toContain('  psm1 -> network-element (30 hosts): 90 paths (90 pass, 0 warn), directly');
    expect(text).not.toContain('psm1 -> ne-3:');
  });
});

const html = formatCoverageHtml(report);

function between(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end, from + start.length);
  if (from < 0 || to < 0) throw new Error(`no ${start}...${end} in the page`);
  return text.slice(from + start.length, to);
}

describe('the matrix view', () => {
  it('is self-contained: no external reference, and the CSP allows only its own style and script', () => {
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
    expect(html).not.toMatch(/https?:\/\//);
    const csp = between(html, '<meta http-equiv="Content-Security-Policy" content="', '">');
    const sha = (content: string) => `'sha256-${createHash('sha256').update(content).digest('base64')}'`;
    expect(csp).toBe(
      `default-src 'none'; style-src ${sha(between(html, '<style>', '</style>'))}; ` +
        `script-src ${sha(between(html, '<script>', '</script>'))}; base-uri 'none'; form-action 'none'`,
    );
  });

  it('escapes everything that came from the reports', () => {
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('peer said &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    // eslint-disable-next-line no-control-regex
    expect(html).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });

  it('groups a role with many hosts into one row and one column', () => {
    const hosts = Array.from({ length: 30 }, (_, i) => `  - { name: ne-${i}, role: network-element, neType: bti700, addresses: [198.51.100.${i + 10}] }`);
    const big = parseInventory(`hosts:\n  - { name: psm1, role: psm-server, addresses: [192.0.2.10] }\n${hosts.join('\n')}\n`, 'big.yaml', '/tmp', { requireSecrets: false });
    const page = formatCoverageHtml(mergeReports(big, [{ file: 'psm1.json', report: fakeReport(big, { from: 'psm1' }) }], { inventoryLabel: 'big.yaml' }));
    const matrix = between(page, '<table id="matrix">', '</table>');
    expect([...matrix.matchAll(/<th scope="col" class="host"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(['psm1', '30 hosts']);
    expect([...matrix.matchAll(/<th scope="row" class="host">([^<]*)</g)].map((m) => m[1])).toEqual(['psm1', '30 hosts']);
  });
});

const CHROMIUM = '/usr/bin/chromium';
const why = missing(binary(CHROMIUM));

describe.skipIf(why !== undefined)(titleWith('the matrix view in headless Chromium', why), () => {
  let directory = '';
  let page = '';

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'psm-netcheck-merge-html-'));
    page = join(directory, 'merged.html');
    await writeFile(page, html);
  });

  afterAll(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  /** The DOM after load and after the page's script ran (as in test/report/html.test.ts). */
  async function renderedDom(fragment = ''): Promise<string> {
    const profile = await mkdtemp(join(directory, 'profile-'));
    const { stdout } = await promisify(execFile)(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--dump-dom',
        `${pathToFileURL(page).href}${fragment}`,
      ],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout;
  }

  /** Each matrix row as `host: state state ...` (`-` for an empty cell). */
  function cells(dom: string): Record<string, string> {
    const body = between(between(dom, '<table id="matrix">', '</table>'), '<tbody>', '</tbody>');
    return Object.fromEntries(
      [...body.matchAll(/<tr data-row="r\d+">(.*?)<\/tr>/gs)].map(([, row]) => [
        /<th scope="row" class="host">([^<]*)</.exec(row ?? '')?.[1],
        [...(row ?? '').matchAll(/<td class="cell[^"]*"(?: data-cell="[^"]*" data-status="([a-z-]+)")?/g)].map((m) => m[1] ?? '-').join(' '),
      ]),
    );
  }

  it('runs its script under its own CSP and colours each cell by its most urgent path, conflicts apart', async () => {
    const dom = await renderedDom();
    expect(dom).toContain('data-ready="true"');
    const header = between(dom, '<table id="matrix">', '</thead>');
    expect([...header.matchAll(/<th scope="colgroup" colspan="(\d)" class="role">([^<]*)</g)].map((m) => `${m[2]}:${m[1]}`)).toEqual([
      'psm-server:1',
      'psm-client:2',
      'network-element:3',
    ]);
    expect(cells(dom)).toEqual({
      psm1: '- pass partial pass pass pass',
      'client-a': 'conflict - - pass pass pass',
      'client-b': 'fail - - pass pass pass',
      'ne-stand': 'pass - - - - -',
      'ne-1': 'cannot-verify - - - - -',
      'ne-mx': 'not-covered - - - - -',
    });
    expect(dom.match(/<script/g)).toHaveLength(1);
    expect(dom).toContain('peer said &lt;script&gt;alert("pwned")&lt;/script&gt;');
  });

  it('a cell in the address shows only its paths, open onto every vantage\'s results', async () => {
    const conflictCell = /<td class="cell s-conflict" data-cell="([a-z0-9-]+)"/.exec(html)?.[1];
    expect(conflictCell).toBeDefined();
    const dom = await renderedDom(`#cell=${conflictCell ?? ''}`);
    const shown = [...between(dom, '<section id="paths">', '</section>').matchAll(/<details class="path s-([a-z-]+)"[^>]*>\s*<summary>.*?<code>([^<]*)<\/code>/gs)]
      .filter(([tag]) => !tag.includes(' hidden'))
      .map((m) => `${m[2]}:${m[1]}`);
    expect(shown[0]).toBe('t1-rest:conflict');
    expect(shown.every((entry) => entry.endsWith(':pass') || entry === 't1-rest:conflict')).toBe(true);
    expect(shown).toHaveLength(8);
    expect(between(dom, '<span id="paths-filter">', '</span>')).toBe('(8: client-a -&gt; psm1)');
    expect(dom).toMatch(new RegExp(`<td class="cell s-conflict selected" data-cell="${conflictCell ?? ''}"`));
    const conflict = between(dom, `data-cell="${conflictCell ?? ''}" data-status="conflict" open="">`, '</details>');
    expect([...conflict.matchAll(/<caption>([A-Z]+ [a-z ]+) from client-a/g)].map((m) => m[1])).toEqual(['PASS through the responder', 'FAIL directly']);
  });

  it('a state in the address shows only the paths in that state', async () => {
    const dom = await renderedDom('#status=not-covered');
    const visible = [...between(dom, '<section id="paths">', '</section>').matchAll(/<details class="path[^"]*"([^>]*)>/g)].filter(([, attributes]) => !(attributes ?? '').includes('hidden'));
    expect(visible.length).toBe(report.summary['not-covered']);
    expect(visible.every(([, attributes]) => (attributes ?? '').includes('data-status="not-covered"'))).toBe(true);
  });
});
