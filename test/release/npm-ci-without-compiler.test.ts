import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatHumanWide } from '../../src/report/human-wide.js';
import type { Report } from '../../src/report/types.js';
import { LAB_USER, ensureLabUser } from '../support/daemons/lab-user.js';
import { nodeModulesAbove, runIsolated } from '../support/isolated.js';
import { runOk } from '../support/process.js';
import { installBlock } from '../support/readme.js';
import { ROOT, VERSION } from '../support/release.js';
import { binary, missing, root, titleWith } from '../support/skip.js';

/**
 * Native code never breaks an install from source: on a host where raw-socket cannot be built
 * (no compiler, no make, no Node.js headers, no network), as a non-root user, the README's
 * "From source" commands run as written and succeed (npm ci from a local mirror), and ICMP then
 * uses the system ping, even as root, with the report saying why. A copy of the repository's
 * files is installed; the compilers are hidden inside a mount namespace, not removed.
 */

const why = missing(root, binary('/usr/bin/unshare'), binary('/usr/bin/ping'), binary('/usr/bin/git'));

/** Everything that could compile the addon: C/C++ compilers and make, under every name Debian gives them. */
const TOOLCHAIN = /^(cc|c\+\+|cpp|gcc|g\+\+|make|gmake|clang.*|(x86_64|aarch64)-linux-gnu-(gcc|g\+\+|cpp|c\+\+)(-\d+)?|(gcc|g\+\+|cpp)-\d+)$/;

const REGISTRY_PORT = 4873;

describe.skipIf(why)(titleWith('npm ci where the raw-socket addon cannot be built', why), () => {
  let work = '';
  let source = '';

  beforeAll(async () => {
    await ensureLabUser();
    work = mkdtempSync(path.join(tmpdir(), 'psm-netcheck-no-compiler-'));
    chmodSync(work, 0o755);
    source = path.join(work, 'psm-netcheck');
    // The repository's files (tracked and new, not ignored): what a clone has.
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of files) {
      if (!existsSync(path.join(ROOT, file))) continue;
      mkdirSync(path.dirname(path.join(source, file)), { recursive: true });
      copyFileSync(path.join(ROOT, file), path.join(source, file));
    }
    mkdirSync(path.join(work, 'prefix'));
    mkdirSync(path.join(work, 'cache'));
    await runOk('chown', ['-R', `${LAB_USER}:`, work], { timeoutMs: 120_000 });
  }, 5 * 60_000);

  it('runs the README "From source" commands as written, as a non-root user, offline, without a compiler', async () => {
    const block = installBlock('From source');
    const hideFiles = readdirSync('/usr/bin').filter((file) => TOOLCHAIN.test(file)).map((file) => `/usr/bin/${file}`);
    expect(hideFiles).toContain('/usr/bin/g++');
    // The site's offline mirror: a registry on the namespace's loopback, serving the lockfile's
    // packages from the npm cache that CI's own npm ci filled (root's).
    const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
    const registry = path.join(ROOT, 'test/support/scripts/local-registry.mjs');
    const prelude = `node ${registry} ${path.join(source, 'package-lock.json')} ${cache} ${REGISTRY_PORT} > ${work}/registry.log 2>&1 &
background=$!
i=0; until grep -q listening ${work}/registry.log; do i=$((i+1)); [ $i -lt 300 ] || exit 1; sleep 0.1; done`;
    const result = await runIsolated({
      prelude,
      script: `if command -v g++ || command -v cc || command -v make; then echo "a compiler is still reachable" >&2; exit 90; fi\n${block.script}`,
      user: LAB_USER,
      cwd: source,
      keepNode: true,
      hideFiles,
      // Node's headers, where node-gyp finds them for root; any node_modules above the copy (a shared /tmp may have one).
      hide: ['/usr/include/node', ...nodeModulesAbove(work)],
      env: {
        PATH: `${path.join(work, 'prefix/bin')}:/usr/local/bin:/usr/bin:/bin`,
        npm_config_cache: path.join(work, 'cache'),
        npm_config_registry: `http://127.0.0.1:${REGISTRY_PORT}/`,
        npm_config_prefix: path.join(work, 'prefix'),
        npm_config_nodedir: '/nonexistent/node-headers',
        npm_config_update_notifier: 'false',
      },
      timeoutMs: 15 * 60_000,
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const versions = result.stdout.split('\n').filter((line) => line.trim() === VERSION);
    // npx psm-netcheck --version, then the linked psm-netcheck --version.
    expect(versions).toHaveLength(2);
    // npm left the optional addon out instead of failing.
    expect(existsSync(path.join(source, 'node_modules/raw-socket/build/Release/raw.node'))).toBe(false);
    expect(existsSync(path.join(source, 'dist/src/cli/main.js'))).toBe(true);
  }, 16 * 60_000);

  it.each([
    { as: 'root', user: undefined },
    { as: 'a non-root user', user: LAB_USER },
  ])('ICMP results of that install come from the system ping, as $as', async ({ user }) => {
    const out = mkdtempSync(path.join(work, 'demo-'));
    chmodSync(out, 0o777);
    const result = await runIsolated({
      script: `status=0; timeout 120 node ${path.join(source, 'dist/src/cli/main.js')} demo -o ${out}/demo.json > ${out}/demo.txt 2>&1 || status=$?; [ "$status" -eq 1 ]`,
      user,
      cwd: out,
      keepNode: true,
      // Else Node could find a raw-socket in a node_modules above the copy.
      hide: nodeModulesAbove(work),
      timeoutMs: 4 * 60_000,
    });
    expect(result.code, `${result.stderr}\n${readFileSync(path.join(out, 'demo.txt'), 'utf8')}`).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'demo.json'), 'utf8')) as Report;
    const echoes = report.results.filter((r) => r.probe === 'icmp');
    expect(echoes.length).toBeGreaterThan(0);
    for (const echo of echoes) {
      expect(echo.evidence.method).toBe('ping-command');
      expect(echo.message).toMatch(/\(ping command\)$/);
    }
    // Root could open a raw socket: what is missing is the library.
    if (user === undefined) expect(String(echoes[0]?.evidence.rawUnavailable)).toContain('raw-socket library could not be loaded');
    // The human report shows the method too (its wide form, where each passing result has a line).
    expect(formatHumanWide(report, { color: false })).toMatch(/ icmp .*\(ping command\)( \(timed while the checker was busy[^)]*\))?$/m);
  }, 5 * 60_000);
});
