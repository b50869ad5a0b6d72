import v8 from 'node:v8';

/**
 * V8 lets its old generation grow to up to four times what survived the last full collection
 * while allocation is fast. During a check, objects of probes in flight (SSH sessions, sockets)
 * survive two young-generation collections and die soon after in the old generation, so the heap
 * filled with garbage: 345-352 MB peak RSS for 5,000 elements while the check kept 56 MB.
 * A fixed growing factor of 2 collects that garbage sooner: 260-263 MB, CPU within run-to-run
 * noise. A factor of 1.5 gave 223-229 MB but cost 5-8% more CPU in a NETCONF-only check
 * (docs/benchmarks.md, "Third round").
 *
 * V8 reads this flag each time it sets the next collection's limit, so setting it at run time
 * takes effect (most heap flags, such as --max-old-space-size, do not). A value given by the user
 * (node --heap-growing-percent=N, or in NODE_OPTIONS) wins.
 */
export const HEAP_GROWING_PERCENT = 100;

const FLAG = /--heap[-_]growing[-_]percent/;

/** Returns whether the flag was set here (false when the user chose a value). */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  if (execArgv.some((arg) => FLAG.test(arg)) || FLAG.test(nodeOptions)) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
