/**
 * Waits until the processes behind `cpuMs` (the simulated elements, the timing peers) are idle:
 * less than IDLE_SHARE of a core over one window, twice in a row. After a full check they go on
 * closing thousands of connections and collecting their garbage for seconds; a run started then
 * shares the cores with that work and measures it. Bounded: returns after MAX_MS regardless.
 * Returns how long it waited, ms.
 */
const WINDOW_MS = 500;
const IDLE_SHARE = 0.05;
const MAX_MS = 30_000;

export async function settleCpu(cpuMs: () => number): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  let before = cpuMs();
  while (quiet < 2 && performance.now() - started < MAX_MS) {
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const after = cpuMs();
    quiet = after - before < WINDOW_MS * IDLE_SHARE ? quiet + 1 : 0;
    before = after;
  }
  return Math.round(performance.now() - started);
}
