import v8 from 'node:v8';

/**
 * V8 lets its old generation grow to up to four times what survived the last full collection
 * while allocation is fast. During a check, objects of probes in flight (SSH sessions, sockets)
 * survive two young-generation collections and die soon after in the old generation, so the heap
 * filled with garbage: peak RSS six times what the check kept. A fixed growing factor of 2
 * collects that garbage sooner for no measurable CPU; 1.5 saves a little more memory but costs
 * CPU (the figures: docs/benchmarks.md, third round, item 14).
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
