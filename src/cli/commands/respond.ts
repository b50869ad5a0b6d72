import { EXIT, NetcheckError } from '../../core/errors.js';
import { durationSchema, LIMITS, parseFlagValue } from '../../core/settings.js';
import { loadInventory } from '../../inventory/load.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log.js';
import { responderPorts } from '../../planner/listening-ports.js';
import { findVantage, localAddresses } from '../../planner/vantage.js';
import type { ResponderEvent } from '../../responder/decide.js';
import { bindAddresses, startResponder, type SocketOutcome } from '../../responder/server.js';
import { interruptSignal } from '../signals.js';

export interface RespondFlags {
  readonly inventory: string;
  readonly from?: string;
  readonly for: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

/**
 * `psm-netcheck respond`: on a host where PSM is not installed yet, listen for a bounded time on
 * the ports its roles serve in the matrix and answer the responder probes of the inventory's
 * peers (docs/responder.md). Prints which ports it opened, which it could not and why, and every
 * request it answered or refused. Exit 0 when it served until the end (or Ctrl-C), 1 when it
 * could open no port at all.
 */
export async function respondCommand(flags: RespondFlags): Promise<number> {
  const log = createLogger(flags.logLevel, flags.logFormat);
  const durationMs = parseFor(flags.for);
  // Only the responder's token is needed here, not the probes' credentials.
  const inventory = await loadInventory(flags.inventory, { requireSecrets: false });
  const host = findVantage(inventory, flags.from);
  if (inventory.responder === undefined) {
    throw new NetcheckError('E_USAGE', 'respond needs a shared token: add `responder: { token: { env: VARIABLE } }` to the inventory (docs/responder.md)');
  }
  const token = inventory.responder.token;
  if (token === undefined) throw new NetcheckError('E_INVENTORY', `responder.token: cannot read the ${inventory.responder.tokenSource}`);
  const ports = responderPorts(inventory, host);
  if (ports.length === 0) {
    throw new NetcheckError('E_USAGE', `${host.name} (${host.roles.join(', ')}) serves no TCP or UDP port of the matrix in this inventory: nothing to answer`);
  }
  const bind = bindAddresses(host, localAddresses());

  const counts = { answered: 0, denied: 0, ignored: 0 };
  const responder = await startResponder({
    inventory,
    host,
    token,
    ports,
    addresses: bind.addresses,
    onEvent: (event) => {
      counts[event.kind]++;
      if (event.kind === 'ignored') log.debug({ event }, 'request ignored');
      else write(describeEvent(event));
    },
  });
  write(openingReport(host.name, responder.sockets, bind.wildcard));
  const opened = responder.sockets.filter((s) => s.ok).length;
  if (opened === 0) {
    await responder.close();
    write('no port could be opened: nothing to answer\n');
    return EXIT.failures;
  }
  const until = new Date(Date.now() + durationMs);
  write(`ready: answering on ${opened} socket(s) until ${until.toISOString()} (Ctrl-C stops)\n`);

  const interrupt = interruptSignal(log);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, durationMs);
    interrupt.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
  interrupt.dispose();
  await responder.close();
  write(`stopped: ${counts.answered} answered, ${counts.denied} refused, ${counts.ignored} ignored (peers outside the inventory without a valid token, oversized or replayed requests)\n`);
  return EXIT.ok;
}

function write(text: string): void {
  process.stdout.write(text);
}

const RUN_FOR = durationSchema(LIMITS.runForMs);

/** `--for 30m`, `2h`, `90s`; at most 24 hours. */
export function parseFor(text: string): number {
  return parseFlagValue('--for', text, RUN_FOR);
}

function openingReport(name: string, sockets: readonly SocketOutcome[], wildcard: boolean): string {
  const lines = [
    `psm-netcheck responder for ${name}` +
      (wildcard ? ' (no inventory address of this host is local: listening on every address)' : ''),
  ];
  // Open ports as runs (tcp/9999-10100), per address; each port that failed on its own line.
  const runs = new Map<string, number[]>();
  for (const socket of sockets.filter((s) => s.ok)) {
    const key = `${socket.transport} ${socket.address}`;
    runs.set(key, [...(runs.get(key) ?? []), socket.port]);
  }
  for (const [key, ports] of runs) {
    const [transport, address] = key.split(' ');
    lines.push(`  open      ${transport}/${collapse(ports)} on ${address}`);
  }
  for (const socket of sockets) {
    if (!socket.ok) lines.push(`  NOT OPEN  ${socket.transport}/${socket.port} on ${socket.address}: ${socket.why}`);
  }
  return `${lines.join('\n')}\n`;
}

/** [21, 22, 9999, 10000, 10001] -> "21,22,9999-10001". */
function collapse(ports: readonly number[]): string {
  const sorted = [...ports].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    parts.push(j > i + 1 ? `${sorted[i]}-${sorted[j]}` : sorted.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

function describeEvent(event: ResponderEvent): string {
  const time = new Date().toISOString();
  const peer = `${event.peer.address} port ${event.peer.port}`;
  const port = `${event.transport}/${event.local.port}`;
  if (event.kind === 'answered') {
    const nat = event.nat === true ? ` (not an address of ${event.name ?? '?'}: NAT in the path)` : '';
    return `${time} answered ${event.name ?? '?'} from ${peer} on ${port}${nat}\n`;
  }
  return `${time} refused ${peer} on ${port}: ${event.code ?? '?'}\n`;
}
