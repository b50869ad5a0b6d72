#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { LOCATE_DEFAULTS } from '../check/path-diagnosis-settings.js';
import { NetcheckError } from '../core/errors.js';
import { internalsSetting } from '../core/internals.js';
import { TOOL_VERSION } from '../core/version.js';
import { handleFailure, usageFailure } from './failure.js';
import { limitHeapGrowth } from './heap-growth.js';
import { endQuietlyOnClosedPipes } from './pipes.js';

// Before anything big is allocated: the inventory, the plan, the probes.
limitHeapGrowth();
endQuietlyOnClosedPipes();

/**
 * The command line. Each command's module is imported only when that command runs, so that
 * `--version` and `--help` start fast.
 */
class NetcheckCommand extends Command {
  /** Several options at once: the run flags that check, serve and preflight share. */
  addOptions(options: readonly Option[]): this {
    for (const option of options) this.addOption(option);
    return this;
  }

  // Commander's documented way to make every subcommand of this class.
  override createCommand(name?: string): NetcheckCommand {
    return new NetcheckCommand(name);
  }
}

const program = new NetcheckCommand('psm-netcheck')
  .description('Verify the network paths of a proNX Service Manager deployment against the vendor port matrix')
  .version(TOOL_VERSION)
  // Parse errors come back as exceptions and leave as E_USAGE (exit 2) through the tool's own
  // error path, one line and a hint, rather than commander's exit 1 and a page of help.
  .exitOverride()
  // Errors and the help page commander prints on stderr for a missing command: the one E_USAGE
  // line replaces both. `--help` and `help` still print to stdout.
  .configureOutput({ outputError: () => undefined, writeErr: () => undefined });

const inventoryOption = (): Option =>
  new Option('-i, --inventory <file>', 'inventory YAML file').makeOptionMandatory();
const fromOption = (): Option =>
  new Option('--from <host>', 'vantage host name (default: the host that has one of this machine\'s addresses)');
/** The flags of every command that runs probes (src/cli/settings.ts): each overrides the inventory's defaults. */
const runFlagOptions = (): Option[] => [
  new Option('--timeout <duration>', 'per-probe deadline, e.g. 2s (default: inventory, else 2s)'),
  new Option('--retries <n>', 'extra attempts after a timeout (default: inventory, else 1)'),
  new Option('--concurrency <n>', 'probes in flight in all; 0 = from the file-descriptor limit (default: inventory, else 0)'),
  new Option('--per-host <n>', 'probes in flight per target host (default: inventory, else 4)'),
  new Option('--max-rate <n>', 'probes started per second in all; 0 = no limit (default: inventory, else 0)'),
];
/** The ICMP error observer and --locate (src/check/path-diagnosis.ts), for `check` and for each run of `serve`. */
const pathDiagnosisOptions = (run: 'run' | 'cycle'): Option[] => [
  new Option('--no-icmp-observer', 'do not read ICMP errors on a raw socket (default: on with root or CAP_NET_RAW; names who rejected a probe)'),
  new Option('--locate', `after each ${run}, find the last hop that answers on each silent path (default: on with root or CAP_NET_RAW)`),
  new Option('--no-locate', 'do not run the TTL-limited search for silent paths'),
  new Option('--locate-max-paths <n>', `at most this many silent paths are located per ${run}`).default(LOCATE_DEFAULTS.maxPaths).argParser(positiveInt),
  new Option('--locate-max-hops <n>', 'TTLs tried by --locate: 1 to n').default(LOCATE_DEFAULTS.maxHops).argParser(positiveInt),
];
/** How the human report on stdout is laid out; it fits the terminal's width (100 columns off a terminal). */
const humanLayoutOptions = (): Option[] => [
  new Option('--wide', 'human report with every column of every result, nothing cut (the same as -f wide)'),
  new Option('--verbose', 'human report: one line per passing result too, not one per path'),
];
/** A repeatable option's values, in order (`-o a.html -o b.json`). */
const collect = (value: string, previous: string[]): string[] => [...previous, value];
const logLevel = (): Option =>
  new Option('--log-level <level>', 'log level on stderr')
    .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('warn');
function positiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 255) throw new InvalidArgumentError('a whole number from 1 to 255');
  return value;
}
const logFormat = (): Option =>
  new Option('--log-format <format>', 'logs on stderr: sentences (pretty) on a terminal, pino JSON lines otherwise (auto), or always one of them')
    .choices(['auto', 'pretty', 'json'])
    .default('auto');

program
  .command('check')
  .description('probe every path this host can test and report each against the expected matrix')
  .addOption(inventoryOption())
  .addOption(fromOption())
  .option('-o, --output <[format=]file...>', 'write a report file atomically; format from the extension or given as json=, prom=, nagios=, junit=, html=, human=, wide=')
  .addOption(new Option('-f, --format <format>', 'report on stdout').choices(['human', 'wide', 'json', 'prom', 'nagios', 'junit', 'html', 'none']).default('human'))
  .addOptions(humanLayoutOptions())
  .addOptions(runFlagOptions())
  .option('--only <probe...>', 'run only these probe kinds (e.g. tcp icmp)')
  .option('--compare <previous.json>', 'report what changed since a previous JSON report')
  .option('--lock <file>', 'refuse to start while another run holds this lock file (for cron)')
  .option('--via-responder <host...>', 'probe these hosts through `psm-netcheck respond` (PSM not installed there yet)')
  .option('--no-progress', 'no progress display on stderr')
  .addOptions(pathDiagnosisOptions('run'))
  .addOption(logLevel())
  .addOption(logFormat())
  .action(async (options) => {
    const { checkCommand } = await import('./commands/check.js');
    process.exitCode = await checkCommand(options);
  });

program
  .command('plan')
  .description('show the probes a check would send, and the paths not testable from here, without sending anything')
  .addOption(inventoryOption())
  .addOption(fromOption())
  .option('--json', 'machine-readable output')
  .addOption(logLevel())
  .addOption(logFormat())
  .action(async (options) => {
    const { planCommand } = await import('./commands/plan.js');
    process.exitCode = await planCommand(options);
  });

program
  .command('merge')
  .alias('coverage')
  .description("one answer for the deployment: the JSON reports of several vantages matched to every path of the matrix, with what is not covered yet and the command that would cover it")
  .addOption(inventoryOption())
  .argument('<report.json...>', 'JSON reports of `check` (or `preflight`), one or more per vantage')
  .option('-o, --output <[format=]file>', 'also write the merged report, atomically; format from the extension (.json, .html, .txt) or given as json=, html=, human= (repeatable)', collect, [])
  .addOption(new Option('-f, --format <format>', 'merged report on stdout').choices(['human', 'json', 'html', 'none']).default('human'))
  .option('--verbose', 'human format: one line per verified path')
  .addOption(logLevel())
  .action(async (reports: string[], options) => {
    const { mergeCommand } = await import('./commands/merge.js');
    process.exitCode = await mergeCommand(reports, options);
  });

program
  .command('rules')
  .description("the firewall change request: every flow the vendor's port tables require for this inventory, as a table or a rule set to load")
  .addOption(inventoryOption())
  .option('-o, --output <[format=]file>', 'also write the rules, atomically; format from the extension (.md, .csv, .json, .nft, .v4, .v6) or given as markdown=, csv=, json=, nft=, iptables=, ip6tables= (repeatable)', collect, [])
  .addOption(new Option('-f, --format <format>', 'rules on stdout').choices(['markdown', 'csv', 'json', 'nft', 'iptables', 'ip6tables', 'none']).default('markdown'))
  .option('--per-host', 'one entry per source and destination host (default: hosts that need the same ports grouped)')
  .addOption(new Option('--deny <target>', 'what the nft and iptables rule sets do with the deny entries: drop silently, or reject (TCP reset, ICMP port unreachable)').choices(['drop', 'reject']).default('drop'))
  .addOption(logLevel())
  .addOption(logFormat())
  .action(async (options) => {
    const { rulesCommand } = await import('./commands/rules.js');
    process.exitCode = await rulesCommand(options);
  });

program
  .command('matrix')
  .description("print the expected port matrix: the vendor's port tables (PSM Networking Considerations, Tables 1-8)")
  .option('--json', 'machine-readable output')
  .action(async (options) => {
    const { matrixCommand } = await import('./commands/matrix.js');
    process.exitCode = matrixCommand(options);
  });

program
  .command('schema')
  .description('print a JSON Schema: the inventory (for editors), the JSON report (for monitoring), the merged report or the rules')
  .argument('[which]', 'inventory | report | coverage | rules', 'inventory')
  .action(async (which: string) => {
    const { schemaCommand } = await import('./commands/schema.js');
    process.exitCode = schemaCommand(which);
  });

program
  .command('probes')
  .description('list the probes, their options with defaults, and their reason codes')
  .option('--json', 'machine-readable output')
  .action(async (options) => {
    const { probesCommand } = await import('./commands/probes.js');
    process.exitCode = probesCommand(options);
  });

program
  .command('serve')
  .description('check every interval and serve /metrics, /report.json, /report.html and /healthz over HTTP')
  .addOption(inventoryOption())
  .addOption(fromOption())
  .option('--interval <duration>', 'time between the starts of two runs, at least 1s; a run still going at the next tick skips it', '5m')
  .option('--listen <[host:]port>', 'HTTP address; keep it on loopback unless a firewall guards it (port 0: any free port, logged)', '127.0.0.1:9469')
  .addOptions(runFlagOptions())
  .option('--only <probe...>', 'run only these probe kinds (e.g. tcp icmp)')
  .addOptions(pathDiagnosisOptions('cycle'))
  // A service's journal should say when it listens and how each run went: info, not warn.
  .addOption(logLevel().default('info'))
  .addOption(logFormat())
  .action(async (options) => {
    const { serveCommand } = await import('./commands/serve.js');
    process.exitCode = await serveCommand(options);
  });

program
  .command('demo')
  .description('start the simulated PSM network on loopback, check it, print the report, stop (no root, no network)')
  .option('-o, --output <file>', 'where to write the JSON report', 'psm-netcheck-demo-report.json')
  .option('--timeout <duration>', 'per-probe deadline (default 1s: every peer is local; more on a busy machine)')
  .addOption(logLevel())
  .addOption(logFormat())
  .action(async (options) => {
    const { demoCommand } = await import('./commands/demo.js');
    process.exitCode = await demoCommand(options);
  });

program
  .command('lab')
  .description('run the simulated PSM network on loopback and write its inventory, until Ctrl-C or --for')
  .option('--dir <dir>', 'where to write inventory.yaml and its secrets', '.lab')
  .option('--for <duration>', 'stop by itself after this long, e.g. 10m')
  .option('--elements <n>', 'simulated network elements (default: one of each type, plus faulty ones)')
  .addOption(logLevel())
  .addOption(logFormat())
  .action(async (options) => {
    const { labCommand } = await import('./commands/lab.js');
    process.exitCode = await labCommand(options);
  });

program
  .command('preflight')
  .description('before install: the ports this host must listen on (free, or taken by whom), ephemeral range, addresses, local firewall, plus the outbound checks')
  .addOption(inventoryOption())
  .addOption(fromOption())
  .option('-o, --output <[format=]file...>', 'write a report file atomically: json, human or wide (.json, .txt)')
  .addOption(new Option('-f, --format <format>', 'report on stdout').choices(['human', 'wide', 'json', 'none']).default('human'))
  .addOptions(humanLayoutOptions())
  .option('--via-responder <host...>', 'probe these hosts through `psm-netcheck respond` (PSM not installed there yet)')
  .addOptions(runFlagOptions())
  .option('--only <probe...>', 'run only these probe kinds in the outbound checks (e.g. tcp icmp)')
  .option('--no-progress', 'no progress display on stderr')
  .addOption(logLevel())
  .addOption(logFormat())
  .action(async (options) => {
    const { preflightCommand } = await import('./commands/preflight.js');
    process.exitCode = await preflightCommand(options);
  });

program
  .command('respond')
  .description('before install: answer the responder probes of peers on the ports this host serves in the matrix, for a bounded time')
  .addOption(inventoryOption())
  .addOption(fromOption())
  .option('--for <duration>', 'how long to listen, e.g. 30m or 2h (at most 24h)', '30m')
  .addOption(logLevel())
  .addOption(logFormat())
  .action(async (options) => {
    const { respondCommand } = await import('./commands/respond.js');
    process.exitCode = await respondCommand(options);
  });

// Each command says its own name in the hint of a usage error.
for (const command of program.commands) {
  command.exitOverride((error) => {
    throw usageFailure(error, `psm-netcheck ${command.name()} --help`);
  });
}

// A mistyped PSM_NETCHECK_INTERNALS would quietly run the other way: refuse it before any probe.
const internals = internalsSetting();
if (internals.ok) {
  program.parseAsync(process.argv).catch((error: unknown) =>
    handleFailure(error instanceof CommanderError ? usageFailure(error, 'psm-netcheck --help', helpTopic(process.argv.slice(2))) : error),
  );
} else {
  handleFailure(new NetcheckError('E_USAGE', internals.message));
}

/** NAME in `psm-netcheck help NAME` (the command asked about), if given. */
function helpTopic(args: readonly string[]): string | undefined {
  const operands = args.filter((arg) => !arg.startsWith('-'));
  return operands[0] === 'help' ? operands[1] : undefined;
}
