import type { Role } from '../core/model.js';
import type { MatrixPath } from './matrix-paths.js';
import type { CoverCommand, NextStep, StandIn } from './types.js';

/** Roles whose services do not exist before PSM is installed: `respond` stands in for them (docs/responder.md). */
const PREINSTALL_ROLES: ReadonlySet<Role> = new Set(['psm-server', 'psm-client']);

export interface NextStepContext {
  /** The inventory as the user named it to merge, for the commands. */
  readonly inventory: string;
  /** Hosts one of the merged reports comes from: they run psm-netcheck. */
  readonly reported: ReadonlySet<string>;
}

/** Nothing can probe any port of the path (each port's reason), or undefined. */
export function untestableStep(path: MatrixPath): NextStep | undefined {
  if (path.points.length > 0) return undefined;
  const whys = [...new Set(path.untestable.map((entry) => `${path.transport}/${entry.ports}: ${entry.why}`))];
  return { why: whys.join('; ') || 'no probe can verify this path', commands: [] };
}

/**
 * A path that starts at a network element with no report of its own: an element cannot run
 * psm-netcheck. With stand-ins (Linux hosts declared as elements of the same type, whose reports
 * are merged), the path is listed as one that cannot be verified, beside what they found; without,
 * the way to set one up.
 */
export function elementStep(path: MatrixPath, context: NextStepContext, standIns: readonly StandIn[]): NextStep | undefined {
  if (path.fromRole !== 'network-element' || context.reported.has(path.from.name)) return undefined;
  const type = path.from.neType ?? 'any';
  // Said of the element's type, not of the element: thousands of elements share one reason and one command.
  const cannot = 'a network element cannot run psm-netcheck';
  if (standIns.length > 0) {
    const names = standIns.map((standIn) => `${standIn.host} (${standIn.status})`).join(', ');
    return { why: `${cannot}; tested from its stand-in ${names} instead, a Linux host declared as a network-element of neType ${type}`, commands: [] };
  }
  const host = `<a stand-in of neType ${type}: a Linux host in the NEs' network>`;
  return {
    why: `${cannot}, and no report comes from a stand-in of neType ${type}`,
    commands: commandsFrom(path, context, host, host),
  };
}

/**
 * How to test what no report covered: `check` from the initiating host, through `respond` on the
 * target when its service may not exist yet (a future PSM server or client, or a stand-in that
 * runs psm-netcheck).
 */
export function coverStep(path: MatrixPath, context: NextStepContext, missing: readonly string[]): NextStep {
  const tested = missing.length < path.points.length;
  const why = tested
    ? `not tested: ${missing.length} of ${path.points.length} probes (a run with --only, an interrupted run, or an address or port added since)`
    : context.reported.has(path.from.name)
      ? `the reports from ${path.from.name} do not test it (a run with --only, or made from another inventory)`
      : `no report comes from ${path.from.name}`;
  return { why, commands: commandsFrom(path, context, path.from.name, `--from ${path.from.name}`) };
}

function commandsFrom(path: MatrixPath, context: NextStepContext, host: string, from: string): CoverCommand[] {
  const inventory = `-i ${shellWord(context.inventory)}`;
  const vantage = from.startsWith('--') ? ` ${from}` : '';
  const viaResponder =
    path.transport !== 'icmp' && (PREINSTALL_ROLES.has(path.toRole) || context.reported.has(path.to.name));
  if (!viaResponder) return [{ host, command: `psm-netcheck check ${inventory}${vantage}` }];
  return [
    { host: path.to.name, command: `psm-netcheck respond ${inventory} --from ${path.to.name} --for 30m` },
    { host, command: `psm-netcheck check ${inventory}${vantage} --via-responder ${path.to.name}` },
  ];
}

/** A file name as one shell word: quoted only when it needs to be. */
function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
