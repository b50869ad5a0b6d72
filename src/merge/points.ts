/**
 * Probe keys (`198.51.100.10 tcp/9999`, see ./matrix-paths.ts pointKey) collapsed for people: one
 * entry per address and transport with its ports as runs, `198.51.100.10 tcp/9999-10100`. A port
 * range of the matrix is a hundred probes per address; listed one by one it would bury the rest.
 */
export function collapsePoints(points: readonly string[]): string[] {
  const ports = new Map<string, number[]>();
  const bare: string[] = [];
  for (const point of points) {
    const slash = point.lastIndexOf('/');
    const port = Number(point.slice(slash + 1));
    if (slash < 0 || !Number.isInteger(port)) {
      bare.push(point);
      continue;
    }
    const key = point.slice(0, slash);
    const list = ports.get(key);
    if (list === undefined) ports.set(key, [port]);
    else list.push(port);
  }
  return [...bare, ...[...ports].map(([key, list]) => `${key}/${portRuns(list)}`)];
}

/** [21, 22, 9999, 10000, 10001] -> "21,22,9999-10001". */
export function portRuns(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    parts.push(j > i + 1 ? `${sorted[i]}-${sorted[j]}` : sorted.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}
