import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './support/cli.js';
import { closedTcpPort, recordingListener } from './support/hostile-peers.js';
import { binary, missing, titleWith } from './support/skip.js';

/**
 * What a person at a terminal sees, through the CLI as shipped: the human report fits the
 * terminal's width (100 columns off a terminal), and logs are sentences on a terminal but pino JSON
 * lines anywhere else. util-linux `script` gives the CLI a real pseudo-terminal.
 */

const shellQuote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;
// eslint-disable-next-line no-control-regex
const lines = (text: string): string[] => text.replace(/\r/g, '').replace(/\u001b\[[0-9;]*m/g, '').trimEnd().split('\n');
const longest = (text: string): number => Math.max(...lines(text).map((line) => Array.from(line).length));

/** The CLI on a pseudo-terminal of `columns` columns; `stderrTo` sends stderr elsewhere (off the terminal). */
function onTerminal(args: readonly string[], columns: number, stderrTo?: string): Promise<string> {
  const command = [process.execPath, CLI, ...args].map(shellQuote).join(' ');
  const script = `stty cols ${columns}; ${command}${stderrTo === undefined ? '' : ` 2>${shellQuote(stderrTo)}`}; true`;
  return new Promise((resolve, reject) => {
    execFile('script', ['-qec', script, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' } }, (error, stdout) =>
      error !== null ? reject(error) : resolve(stdout),
    );
  });
}

describe('the CLI at a terminal and off it', () => {
  let dir = '';
  let inventory = '';
  let listener: Awaited<ReturnType<typeof recordingListener>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'psm-netcheck-terminal-'));
    listener = await recordingListener();
    const closed = await closedTcpPort();
    inventory = join(dir, 'inventory.yaml');
    // The free-text description once became a 70-character APPLICATION column on every line.
    await writeFile(
      inventory,
      `
hosts:
  - { name: client, role: psm-client, addresses: [127.0.0.1] }
  - name: psm-server-in-the-east-data-centre.operations.example.net
    role: psm-server
    addresses: [127.0.0.1]
    ports: { jmx: ${listener.port}, ssh: ${closed} }
paths:
  - name: no-telnet
    from: client
    to: psm-server-in-the-east-data-centre.operations.example.net
    transport: tcp
    ports: [${closed}]
    expect: closed
    description: The operations team keeps telnet closed on every PSM server, as the security policy of 2024 says.
`,
    );
  });
  afterAll(async () => {
    await listener.close();
  });

  const check = (...flags: string[]): string[] => ['check', '-i', inventory, '--from', 'client', '--only', 'tcp', 'ssh', ...flags];

  it('fits the human report in 100 columns off a terminal, failures first, passes one line per path', async () => {
    const run = await runCli(check());
    expect(run.code).toBe(1);
    expect(longest(run.stdout)).toBeLessThanOrEqual(100);
    const text = lines(run.stdout);
    const attention = text.findIndex((line) => line.startsWith('Needs attention: 1 fail'));
    expect(text[attention + 1]).toMatch(/^ {2}FAIL {2}T1 to server {2}psm-server-in-the-east-\S*\u2026 +tcp\/\d+ {2}connection refused/);
    expect(run.stdout).toMatch(/\n {2}PASS {2}inv to server +1 on psm-server-in-the-east-data-centre\.operations\.example\.net: no-telnet\n/);
    expect(run.stdout).not.toContain('security policy');
    // The wide form keeps every column, the description too.
    const wide = await runCli(check('--wide'));
    expect(wide.stdout).toContain('The operations team keeps telnet closed on every PSM server, as the security policy of 2024 says.');
    expect(longest(wide.stdout)).toBeGreaterThan(120);
    expect((await runCli(check('-f', 'wide'))).stdout).toContain('as the security policy of 2024 says.');
    // --verbose lists each pass.
    const verbose = await runCli(check('--verbose'));
    expect(verbose.stdout).toMatch(/\n {2}PASS {2}T1 to server +\S+ +tcp\/\d+ {2}TCP handshake completed/);
  });

  it('logs pino JSON lines on stderr off a terminal, whatever --log-format auto would do', async () => {
    const run = await runCli(check('--compare', join(dir, 'none-yet.json'), '-f', 'none'));
    const [line = '', ...rest] = run.stderr.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(JSON.parse(line)).toMatchObject({ level: 40, msg: 'no previous report yet: this run is not compared' });
    const pretty = await runCli(check('--compare', join(dir, 'none-yet.json'), '-f', 'none', '--log-format', 'pretty'));
    expect(pretty.stderr).toMatch(/^WARN: no previous report yet: this run is not compared \{"compare":".*none-yet\.json"\}\n$/);
  });

  const noScript = missing(binary('/usr/bin/script'));
  it.skipIf(noScript)(titleWith('fits the report to the terminal: 80 and 120 columns', noScript), async () => {
    for (const columns of [80, 120]) {
      const output = await onTerminal(check('--no-progress'), columns, '/dev/null');
      expect(longest(output), `${columns} columns`).toBeLessThanOrEqual(columns);
      expect(lines(output).some((line) => line.startsWith('Needs attention: 1 fail')), `${columns} columns`).toBe(true);
    }
    const narrow = await onTerminal(check('--no-progress'), 80, '/dev/null');
    const wide = await onTerminal(check('--no-progress'), 120, '/dev/null');
    expect(longest(wide)).toBeGreaterThan(longest(narrow));
  });

  it.skipIf(noScript)(titleWith('logs sentences on a terminal, and JSON there when asked', noScript), async () => {
    const missingPrevious = join(dir, 'none-yet.json');
    const pretty = await onTerminal(check('--no-progress', '-f', 'none', '--compare', missingPrevious), 100);
    expect(lines(pretty)).toEqual([`WARN: no previous report yet: this run is not compared {"compare":"${missingPrevious}"}`]);
    const json = await onTerminal(check('--no-progress', '-f', 'none', '--compare', missingPrevious, '--log-format', 'json'), 100);
    expect(JSON.parse(lines(json)[0] ?? '')).toMatchObject({ level: 40, compare: missingPrevious });
  });
});
