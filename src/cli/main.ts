#!/usr/bin/env node
import { Command, Option } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { handleFailure } from './failure.js';

/**
 * The command line. Each command's module is imported only when that command runs, so that
 * `--version` and `--help` start fast.
 */
const program = new Command('psm-netcheck')
  .description('Verify the network paths of a proNX Service Manager deployment against the vendor port matrix')
  .version(TOOL_VERSION)
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

const inventoryOption = (): Option =>
  new Option('-i, --inventory <file>', 'inventory YAML file').makeOptionMandatory();
const fromOption = (): Option =>
  new Option('--from <host>', 'vantage host name (default: the host that has one of this machine\'s addresses)');
const logLevel = (): Option =>
  new Option('--log-level <level>', 'pino log level on stderr')
    .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('warn');

program
  .command('check')
  .description('probe every path this host can test and report each against the expected matrix')
  .addOption(inventoryOption())
  .addOption(fromOption())
  .option('-o, --output <[format=]file...>', 'write a report file atomically; format from the extension or given as json=, prom=, nagios=, junit=, html=, human=')
  .addOption(new Option('-f, --format <format>', 'report on stdout').choices(['human', 'json', 'prom', 'nagios', 'junit', 'html', 'none']).default('human'))
  .option('--timeout <duration>', 'per-probe deadline, e.g. 2s (default: inventory, else 2s)')
  .option('--retries <n>', 'extra attempts after a timeout (default: inventory, else 1)')
  .option('--concurrency <n>', 'probes in flight in all; 0 = from the file-descriptor limit (default: inventory, else 0)')
  .option('--per-host <n>', 'probes in flight per target host (default: inventory, else 4)')
  .option('--only <probe...>', 'run only these probe kinds (e.g. tcp icmp)')
  .option('--compare <previous.json>', 'report what changed since a previous JSON report')
  .option('--lock <file>', 'refuse to start while another run holds this lock file (for cron)')
  .option('--no-progress', 'no progress display on stderr')
  .addOption(logLevel())
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
  .action(async (options) => {
    const { planCommand } = await import('./commands/plan.js');
    process.exitCode = await planCommand(options);
  });

program
  .command('matrix')
  .description('print the expected PSM port matrix (seed Tables 1-8)')
  .option('--json', 'machine-readable output')
  .action(async (options) => {
    const { matrixCommand } = await import('./commands/matrix.js');
    process.exitCode = matrixCommand(options);
  });

program
  .command('schema')
  .description('print a JSON Schema: the inventory (for editors) or the JSON report (for monitoring)')
  .argument('[which]', 'inventory | report', 'inventory')
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

program.parseAsync(process.argv).catch(handleFailure);
