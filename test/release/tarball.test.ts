import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/types.js';
import { LAB_USER, ensureLabUser } from '../support/daemons/lab-user.js';
import { assertNoNodeScript, nodeModulesAbove, runIsolated, shellQuote } from '../support/isolated.js';
import { run, runOk } from '../support/process.js';
import { installBlock } from '../support/readme.js';
import { ROOT, TARBALL, TREE, VERSION, releaseArtifacts } from '../support/release.js';
import { binary, missing, root, titleWith } from '../support/skip.js';

/**
 * The release tarball (`npm run release`), unpacked into a fresh directory and run the way an
 * offline server without Node.js runs it: in a namespace of its own with only loopback, every
 * `node` hidden, no node_modules above it, as root and as an unprivileged user. Real runs of
 * `--version`, `demo`, and `lab` + `check`; the README's tarball commands, as written.
 */

const why = missing(root, binary('/usr/bin/unshare'), binary('/usr/bin/objdump'), binary('/usr/bin/ping'));
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

describe.skipIf(why)(titleWith('release tarball', why), () => {
  let artifacts = '';
  let work = '';
  let release = '';

  beforeAll(async () => {
    artifacts = await releaseArtifacts();
    work = mkdtempSync(path.join(tmpdir(), 'psm-netcheck-release-'));
    chmodSync(work, 0o755);
    await runOk('tar', ['-xzf', path.join(artifacts, TARBALL), '-C', work]);
    release = path.join(work, TREE);
    await ensureLabUser();
  }, 20 * 60_000);

  it('holds the runtime, the bundle, the addon, schemas, example inventory, units, launcher, notices and checksums', async () => {
    for (const file of [
      'psm-netcheck',
      'bin/node',
      'lib/psm-netcheck.mjs',
      'lib/timing-worker.mjs',
      'lib/native/raw-socket.node',
      'schemas/inventory.schema.json',
      'schemas/report.schema.json',
      'inventory.example.yaml',
      'systemd/psm-netcheck.service',
      'systemd/psm-netcheck.timer',
      'systemd/psm-netcheck-serve.service',
      'THIRD-PARTY-NOTICES',
      'SHA256SUMS',
    ]) {
      expect(existsSync(path.join(release, file)), file).toBe(true);
    }
    const everything = readdirSync(release, { recursive: true, encoding: 'utf8' });
    expect(everything.filter((file) => file.split('/').includes('node_modules'))).toEqual([]);

    // The checksum file inside covers every file but itself, and they all match.
    const listed = readFileSync(path.join(release, 'SHA256SUMS'), 'utf8').trim().split('\n').map((line) => line.slice(66));
    const files = (await runOk('find', ['.', '-type', 'f', '!', '-name', 'SHA256SUMS'], { cwd: release })).stdout
      .trim()
      .split('\n')
      .map((file) => file.slice(2));
    expect([...listed].sort()).toEqual([...files].sort());
    await runOk('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: release });
    await runOk('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: artifacts });
  });

  it('lists the license of every runtime dependency and of Node.js in THIRD-PARTY-NOTICES', () => {
    const notices = readFileSync(path.join(release, 'THIRD-PARTY-NOTICES'), 'utf8');
    expect(notices).toContain(`Node.js ${process.version}`);
    expect(notices).toMatch(/Node\.js is licensed for use as follows/);
    for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]) {
      expect(notices, name).toMatch(new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\d+\\.\\d+\\.\\d+ \\(`, 'm'));
    }
    expect(notices).not.toMatch(/UNKNOWN/);
  });

  it('needs nothing newer than glibc 2.28, as the README says', async () => {
    // The newest GLIBC_x.y symbol version a binary asks for (objdump's output of bin/node is tens of MB: filtered in the shell).
    const newest = async (file: string): Promise<string> =>
      (await runOk('sh', ['-c', 'objdump -T "$1" | grep -o "GLIBC_[0-9][0-9.]*" | sort -u -V | tail -n 1', 'sh', file])).stdout.trim();
    expect(await newest(path.join(release, 'bin/node'))).toBe('GLIBC_2.28');
    for (const addon of readdirSync(path.join(release, 'lib/native'))) {
      const version = await newest(path.join(release, 'lib/native', addon));
      expect(Number(version.split('.')[1]), `${addon} needs ${version}`).toBeLessThanOrEqual(28);
    }
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain('glibc 2.28 or later');
  });

  it('is reproducible where cheap: one mtime, owner 0, no name or time in the gzip header', async () => {
    const listing = (await runOk('tar', ['--numeric-owner', '-tvzf', path.join(artifacts, TARBALL)])).stdout.trim().split('\n');
    expect(new Set(listing.map((line) => line.split(/\s+/)[1]))).toEqual(new Set(['0/0']));
    expect(new Set(listing.map((line) => line.split(/\s+/).slice(3, 5).join(' '))).size).toBe(1);
    const header = readFileSync(path.join(artifacts, TARBALL)).subarray(0, 10);
    expect(header.readUInt32LE(4)).toBe(0);
    expect(header[3]! & 0x08).toBe(0);
  });

  /** --version, demo, then lab + check of it, from the unpacked release, inside the isolation. */
  const runScript = (out: string): string => `${assertNoNodeScript(release)}
psm=${shellQuote(path.join(release, 'psm-netcheck'))}
out=${shellQuote(out)}
"$psm" --version > "$out/version.txt"
status=0; timeout 120 "$psm" demo -o "$out/demo.json" > "$out/demo.txt" 2>&1 || status=$?
[ "$status" -eq 1 ] || { echo "demo exited $status"; cat "$out/demo.txt"; exit 1; }
timeout 150 "$psm" lab --dir "$out/lab" --for 2m > "$out/lab.txt" 2>&1 &
lab=$!
i=0; until grep -q 'Check it:' "$out/lab.txt"; do i=$((i+1)); [ $i -lt 600 ] || { cat "$out/lab.txt"; exit 1; }; sleep 0.1; done
command=$(sed -n 's/^.*Check it:  psm-netcheck //p' "$out/lab.txt")
status=0
# shellcheck disable=SC2086
timeout 150 "$psm" $command --timeout 5s --retries 1 --format json -o "junit=$out/check.xml" -o "wide=$out/check.txt" > "$out/check.json" 2> "$out/check.err" || status=$?
[ "$status" -eq 1 ] || { echo "check exited $status"; cat "$out/check.err"; kill -INT "$lab"; exit 1; }
# preflight on the same inventory (the lab's own listeners make some of its local checks fail: exit 1).
status=0
# shellcheck disable=SC2086
timeout 120 "$psm" $(echo "$command" | sed 's/^check /preflight /') --timeout 5s > "$out/preflight.txt" 2>&1 || status=$?
kill -INT "$lab"; wait "$lab" || true
[ "$status" -le 1 ] || { echo "preflight exited $status"; cat "$out/preflight.txt"; exit 1; }
`;

  it.each([
    { as: 'root', user: undefined, icmp: 'raw-socket' },
    { as: 'a non-root user', user: LAB_USER, icmp: 'ping-command' },
  ])('runs --version, demo and a check of a lab, offline, without Node.js, as $as', async ({ user, icmp }) => {
    const out = mkdtempSync(path.join(work, 'run-'));
    chmodSync(out, 0o777);
    // The repository's node_modules, and any that a shared /tmp has above the release, hidden.
    const hide = [path.join(ROOT, 'node_modules'), ...nodeModulesAbove(release)];
    const result = await runIsolated({ script: runScript(out), user, cwd: out, hide, timeoutMs: 8 * 60_000 });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);

    expect(readFileSync(path.join(out, 'version.txt'), 'utf8').trim()).toBe(VERSION);
    const demo = JSON.parse(readFileSync(path.join(out, 'demo.json'), 'utf8')) as Report;
    const check = JSON.parse(readFileSync(path.join(out, 'check.json'), 'utf8')) as Report;
    expect(demo.complete && check.complete).toBe(true);
    // The same paths as the demo (verdicts can differ on a loaded machine: the demo's deadlines are short).
    expect(check.results.map((r) => r.id).sort()).toEqual(demo.results.map((r) => r.id).sort());
    // Every library of the bundle did its part: ssh2 (NETCONF), net-snmp, radius, the XML parser (JUnit).
    const find = (probe: string, target: string) => check.results.find((r) => r.probe === probe && r.target === target);
    expect(find('netconf', 'ne-bti7800-1')).toMatchObject({ verdict: 'pass', reason: 'netconf-ok' });
    expect(find('netconf', 'ne-bti7800-6')).toMatchObject({ verdict: 'fail', reason: 'auth-failed' });
    expect(find('snmp-inform', 'noc-1')?.verdict).toBe('pass');
    expect(check.summary.pass).toBeGreaterThan(20);
    // A mixed run: its NTP and plain TCP probes were timed in the timing lane's thread, its ICMP
    // echoes in the echo lane's process; the release ships both as lib/timing-worker.mjs (without
    // it they would run on the busy main loop).
    const timed = check.results.filter((r) => r.probe === 'tcp' || r.probe === 'ntp' || r.probe === 'icmp');
    expect(timed.filter((r) => r.probe === 'icmp').length).toBeGreaterThan(0);
    expect(check.loopDelay?.laneResults).toBe(timed.length);
    for (const result of timed) expect(result.reason, result.id).not.toBe('local-error');
    expect(readFileSync(path.join(out, 'check.xml'), 'utf8')).toContain('<testsuites');
    // ICMP: the prebuilt addon as root; the system ping for a user without CAP_NET_RAW.
    const echoes = check.results.filter((r) => r.probe === 'icmp');
    expect(echoes.length).toBeGreaterThan(0);
    for (const echo of echoes) expect(echo).toMatchObject({ verdict: 'pass', evidence: { method: icmp } });
    if (user !== undefined) expect(String(echoes[0]?.evidence.rawUnavailable)).toContain('CAP_NET_RAW');
    // The wide human report (each result, nothing cut) says which ICMP method answered.
    expect(readFileSync(path.join(out, 'check.txt'), 'utf8')).toMatch(icmp === 'raw-socket' ? / icmp .*\(raw socket\)( \(timed while the checker was busy[^)]*\))?$/m : / icmp .*\(ping command\)( \(timed while the checker was busy[^)]*\))?$/m);
    expect(readFileSync(path.join(out, 'preflight.txt'), 'utf8')).toMatch(/Local checks on /);
  });

  it('installs as the README says: checksum, untar into /opt, symlink into /usr/local/bin', async () => {
    const block = installBlock('Release tarball');
    const download = mkdtempSync(path.join(work, 'download-'));
    copyFileSync(path.join(artifacts, TARBALL), path.join(download, TARBALL));
    copyFileSync(path.join(artifacts, 'SHA256SUMS'), path.join(download, 'SHA256SUMS'));
    // /opt and /usr/local/bin are empty scratch mounts inside the namespace: the real ones are not touched.
    const hide = [path.join(ROOT, 'node_modules'), ...nodeModulesAbove(download)];
    const result = await runIsolated({ script: block.script, cwd: download, scratch: ['/opt', '/usr/local/bin'], hide });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`${TARBALL}: OK`);
    expect(result.stdout.trim().split('\n').at(-1)).toBe(VERSION);
    expect((await run('test', ['-e', `/opt/${TREE}`])).code).not.toBe(0);
  });
});
