import { IcmpObserver, locate, type LocateAnswer, type LocateMethod } from '../../probes/registry.js';
import { REASONS } from '../../probes/reason-catalogue.js';
import type { Transport, TransportState } from '../core/model.js';
import type { LocateFact, PathDiagnosis, ProbeResult } from '../report/types.js';
import { attachIcmpErrors } from './icmp-attach.js';
import type { LocateSettings } from './path-diagnosis-settings.js';
import net from 'node:net';

/**
 * Where paths break: the ICMP error observer during the run, then `--locate` for the paths that
 * ended in silence. Both need CAP_NET_RAW; without it the results keep the socket's own
 * classification and the report says which part was off and why.
 */

export { LOCATE_DEFAULTS, type LocateSettings } from './path-diagnosis-settings.js';

/** Searches at once: each sends maxHops packets in one burst. */
const LOCATE_PARALLEL = 4;

const SILENT: ReadonlySet<TransportState> = new Set(['filtered', 'open|filtered']);
const METHOD: Readonly<Record<Transport, LocateMethod>> = { tcp: 'tcp-syn', udp: 'udp', icmp: 'icmp-echo' };

export interface PathDiagnosisSession {
  /** The results with ICMP errors and locate answers attached, and the report's section. */
  finish(results: readonly ProbeResult[], timing: { readonly timeoutMs: number; readonly retrySpacingMs: number }): Promise<{
    readonly results: ProbeResult[];
    readonly section: PathDiagnosis;
  }>;
}

/** Start the observer before the run (it must hear the run's ICMP errors). */
export async function startPathDiagnosis(options: { readonly observer: boolean; readonly locate: LocateSettings }): Promise<PathDiagnosisSession> {
  const started = options.observer || options.locate.enabled ? await IcmpObserver.start() : undefined;
  const observer = started?.ok === true ? started.observer : undefined;
  const offWhy = started === undefined ? 'turned off' : started.ok ? undefined : started.why;
  return {
    async finish(results, timing) {
      try {
        const attached = observer !== undefined && options.observer ? attachIcmpErrors(results, observer, timing) : [...results];
        const locateOn = observer !== undefined && options.locate.enabled;
        const located = locateOn ? await locateSilentPaths(attached, observer, options.locate) : { results: attached, located: 0, skipped: 0 };
        const off = (on: boolean, why: string | undefined): { on: boolean; why?: string } => (on ? { on } : { on, ...(why === undefined ? {} : { why }) });
        return {
          results: located.results,
          section: {
            icmpObserver: off(observer !== undefined && options.observer, options.observer ? offWhy : 'turned off'),
            locate: { ...off(locateOn, options.locate.enabled ? offWhy : 'turned off (--no-locate)'), located: located.located, skipped: located.skipped },
          },
        };
      } finally {
        observer?.close();
      }
    },
  };
}

async function locateSilentPaths(
  results: ProbeResult[],
  observer: IcmpObserver,
  settings: LocateSettings,
): Promise<{ results: ProbeResult[]; located: number; skipped: number }> {
  const deadline = Date.now() + settings.budgetMs;
  const silent = results
    .map((result, index) => ({ result, index }))
    .filter(({ result }) => SILENT.has(result.state) && REASONS[result.reason]?.retryable === true && net.isIP(result.address) !== 0);
  const chosen = silent.slice(0, settings.maxPaths);
  let skipped = silent.length - chosen.length;
  const answers = new Map<string, Promise<LocateAnswer | undefined>>();
  const search = (method: LocateMethod, address: string, port: number | undefined): Promise<LocateAnswer | undefined> => {
    const key = `${method}|${address}|${port ?? ''}`;
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = locate({ method, address, ...(port === undefined ? {} : { port }), maxHops: settings.maxHops, waitMs: settings.waitMs }, observer).then(
        (outcome) => (outcome.ok ? outcome.answer : undefined),
      );
      answers.set(key, answer);
    }
    return answer;
  };
  const out = [...results];
  let next = 0;
  let located = 0;
  const worker = async (): Promise<void> => {
    for (let item = chosen[next++]; item !== undefined; item = chosen[next++]) {
      if (Date.now() > deadline) {
        skipped += 1;
        continue;
      }
      const { result, index } = item;
      const method = METHOD[result.transport];
      const port = result.port ?? undefined;
      const [shaped, byIcmp] = await Promise.all([
        search(method, result.address, port),
        method === 'icmp-echo' ? Promise.resolve(undefined) : search('icmp-echo', result.address, undefined),
      ]);
      if (shaped === undefined) {
        // The search could not run (its raw socket failed or never sent): not located.
        skipped += 1;
        continue;
      }
      const echo = method === 'icmp-echo' ? shaped : byIcmp;
      const fact: LocateFact = {
        method: shaped.method,
        lastHop: shaped.lastHop,
        ...(shaped.lastHopAddress === undefined ? {} : { lastHopAddress: shaped.lastHopAddress }),
        reachedTarget: shaped.reachedTarget,
        ...(echo?.targetHops === undefined ? {} : { targetHopsByIcmp: echo.targetHops }),
        maxHops: shaped.maxHops,
      };
      out[index] = { ...result, locate: fact };
      located += 1;
    }
  };
  await Promise.all(Array.from({ length: LOCATE_PARALLEL }, worker));
  return { results: out, located, skipped };
}
