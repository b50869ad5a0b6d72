import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, type RunResult } from './process.js';

/**
 * Runs a shell script the way a host without Node.js and without network would: in a mount and
 * network namespace of its own (`unshare`, root only), where
 * - the network is a fresh namespace with only loopback: nothing outside this machine answers;
 * - every `node` on the usual PATH is hidden behind an empty, non-executable file (unless
 *   `keepNode`), and so is every file of `hideFiles` (compilers, for an install without them);
 * - the given directories (the repository's node_modules) are hidden behind empty tmpfs mounts;
 * - `scratch` directories (such as /opt and /usr/local/bin, for the README's install commands)
 *   are empty tmpfs mounts, so that nothing written there reaches the real system;
 * and then the script runs with an empty environment (a plain PATH, HOME = cwd, and `env`), as
 * root or as `user`.
 */

export interface IsolatedOptions {
  readonly script: string;
  readonly user?: string;
  readonly cwd: string;
  readonly hide?: readonly string[];
  readonly scratch?: readonly string[];
  readonly keepNode?: boolean;
  readonly hideFiles?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Shell lines run as root inside the namespace first; a server started there in the background sets `background=$!` to be stopped at the end. */
  readonly prelude?: string;
  readonly timeoutMs?: number;
}

const NODE_CANDIDATES = ['/usr/bin/node', '/usr/local/bin/node', '/usr/bin/nodejs'];
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const SETUP = `set -eu
ip link set lo up
empty=$(mktemp)
chmod 0644 "$empty"
for candidate in $HIDE_FILES; do
  if [ -e "$candidate" ]; then mount --bind "$empty" "$candidate"; fi
done
for dir in $HIDE $SCRATCH; do mount -t tmpfs -o size=512m,mode=0755 tmpfs "$dir"; done
cd "$WORKDIR"
background=
if [ -n "$PRELUDE" ]; then eval "$PRELUDE"; fi
status=0
if [ -n "$RUN_AS" ]; then
  runuser -u "$RUN_AS" -- env -i PATH="$PLAIN_PATH" HOME="$WORKDIR" LANG=C.UTF-8 "$@" || status=$?
else
  env -i PATH="$PLAIN_PATH" HOME="$WORKDIR" LANG=C.UTF-8 "$@" || status=$?
fi
if [ -n "$background" ]; then kill "$background" 2>/dev/null || true; fi
exit "$status"
`;

export async function runIsolated(options: IsolatedOptions): Promise<RunResult> {
  // The setup script goes through a file: its loop variables are not the test's to interpolate.
  const dir = mkdtempSync(path.join(tmpdir(), 'psm-netcheck-isolated-'));
  const setup = path.join(dir, 'setup.sh');
  writeFileSync(setup, SETUP);
  const hideFiles = [...(options.keepNode === true ? [] : NODE_CANDIDATES), ...(options.hideFiles ?? [])];
  const extraEnv = Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`);
  return run('unshare', ['--mount', '--net', '--propagation', 'private', 'sh', setup, ...extraEnv, 'sh', '-euc', options.script], {
    env: {
      PATH,
      HIDE_FILES: hideFiles.join(' '),
      HIDE: (options.hide ?? []).join(' '),
      SCRATCH: (options.scratch ?? []).join(' '),
      WORKDIR: options.cwd,
      RUN_AS: options.user ?? '',
      PRELUDE: options.prelude ?? '',
      PLAIN_PATH: PATH,
    },
    timeoutMs: options.timeoutMs ?? 180_000,
  });
}

/**
 * The node_modules directories that Node's resolution would search from `dir` upwards, that
 * exist on this machine (a shared /tmp may have one): hide them (`hide`) for a clean run.
 */
export function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules'))) found.push(path.join(d, 'node_modules'));
    if (d === path.dirname(d)) return found;
  }
}

/** Shell lines that fail the script when a node, or a package in a node_modules above `dir`, could still be found. */
export function assertNoNodeScript(dir: string): string {
  return `if command -v node >/dev/null 2>&1 && node --version >/dev/null 2>&1; then echo "node still runs" >&2; exit 90; fi
d=${shellQuote(dir)}
while :; do
  if [ -n "$(ls -A "$d/node_modules" 2>/dev/null)" ]; then echo "packages above the release: $d/node_modules" >&2; exit 91; fi
  [ "$d" = / ] && break
  d=$(dirname "$d")
done
`;
}

export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
