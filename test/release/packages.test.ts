import { appendFileSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/types.js';
import { runIsolated } from '../support/isolated.js';
import { run, runOk } from '../support/process.js';
import { installBlock } from '../support/readme.js';
import { DEB, RPM, VERSION, releaseArtifacts } from '../support/release.js';
import { binary, missing, root, titleWith } from '../support/skip.js';

/**
 * The .deb installed on this machine with dpkg as the README says, used as the psm-netcheck user
 * (with CAP_NET_RAW given the way the systemd units give it), then removed and purged, leaving
 * only what Debian's policy keeps (the system user). The .rpm cannot be installed on Debian: its
 * file list, configuration flags, scriptlets and requirements are read with rpm -qp, and its
 * payload unpacked and run.
 */

const UNITS = ['psm-netcheck.service', 'psm-netcheck.timer', 'psm-netcheck-serve.service'];
const whyDeb = missing(root, binary('/usr/bin/dpkg'), binary('/usr/bin/unshare'), binary('/usr/bin/setpriv'));
const whyRpm = missing(binary('/usr/bin/rpm'), binary('/usr/bin/rpm2cpio'), binary('/usr/bin/cpio'));

const installed = async (): Promise<string> => (await run('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}', 'psm-netcheck'])).stdout.trim();

describe.skipIf(whyDeb)(titleWith('the .deb', whyDeb), () => {
  let artifacts = '';

  beforeAll(async () => {
    artifacts = await releaseArtifacts();
    // Never replace a psm-netcheck that someone installed on this machine.
    expect(await installed(), 'psm-netcheck is already installed here').not.toMatch(/^ii|^rc/);
  }, 20 * 60_000);

  afterAll(async () => {
    if ((await installed()) !== '') await run('dpkg', ['--purge', 'psm-netcheck'], { timeoutMs: 120_000 });
  });

  it('installs with dpkg -i as the README says, runs as the psm-netcheck user, and removes cleanly', async () => {
    const block = installBlock('Debian/Ubuntu', /dpkg -i/);
    expect(block.script).toContain(DEB);
    await runOk('sh', ['-euc', block.script], { cwd: artifacts, timeoutMs: 300_000 });
    expect(await installed()).toBe('ii');

    // Files: /opt, the command in /usr/bin, the units (calling /usr/bin/psm-netcheck), not enabled.
    expect(readlinkSync('/usr/bin/psm-netcheck')).toBe('/opt/psm-netcheck/psm-netcheck');
    for (const unit of UNITS) {
      const text = readFileSync(`/lib/systemd/system/${unit}`, 'utf8');
      if (unit.endsWith('.service')) expect(text).toMatch(/^ExecStart=\/usr\/bin\/psm-netcheck /m);
    }
    const enabled = (await run('sh', ['-c', 'ls /etc/systemd/system/*/psm-netcheck* 2>/dev/null'])).stdout.trim();
    expect(enabled).toBe('');
    // The system user, its state directory, the configuration readable by its group.
    const user = (await runOk('getent', ['passwd', 'psm-netcheck'])).stdout.split(':');
    expect(Number(user[2])).toBeLessThan(1000);
    expect(user[6]?.trim()).toBe('/usr/sbin/nologin');
    const gid = Number(user[3]);
    expect(statSync('/etc/psm-netcheck').mode & 0o777).toBe(0o750);
    expect(statSync('/etc/psm-netcheck').gid).toBe(gid);
    expect(statSync('/etc/psm-netcheck/inventory.yaml').mode & 0o777).toBe(0o640);
    expect(statSync('/var/lib/psm-netcheck').uid).toBe(Number(user[2]));

    // As the psm-netcheck user with CAP_NET_RAW as its only capability (the units' AmbientCapabilities),
    // offline, the system's node hidden: the version, a plan of the installed inventory, the demo.
    const out = mkdtempSync(path.join(tmpdir(), 'psm-netcheck-deb-'));
    chmodSync(out, 0o777);
    const asService = 'setpriv --reuid=psm-netcheck --regid=psm-netcheck --init-groups --inh-caps=+net_raw --ambient-caps=+net_raw';
    const result = await runIsolated({
      cwd: out,
      script: `${asService} psm-netcheck --version > version.txt
${asService} psm-netcheck plan -i /etc/psm-netcheck/inventory.yaml --from psm1 --json > plan.json
status=0; ${asService} timeout 120 psm-netcheck demo -o ${out}/demo.json > demo.txt 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat demo.txt; exit 1; }
`,
      timeoutMs: 4 * 60_000,
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(readFileSync(path.join(out, 'version.txt'), 'utf8').trim()).toBe(VERSION);
    expect(JSON.parse(readFileSync(path.join(out, 'plan.json'), 'utf8'))).toHaveProperty('probes');
    const demo = JSON.parse(readFileSync(path.join(out, 'demo.json'), 'utf8')) as Report;
    const echoes = demo.results.filter((r) => r.probe === 'icmp');
    expect(echoes.length).toBeGreaterThan(0);
    // The prebuilt addon, allowed by the ambient capability: no root needed.
    for (const echo of echoes) expect(echo.evidence.method).toBe('raw-socket');

    // The configuration is the administrator's: installing again keeps their edit.
    appendFileSync('/etc/psm-netcheck/inventory.yaml', '# edited by the administrator\n');
    await runOk('dpkg', ['-i', DEB], { cwd: artifacts, timeoutMs: 300_000 });
    expect(readFileSync('/etc/psm-netcheck/inventory.yaml', 'utf8')).toContain('# edited by the administrator');

    // Remove: the program goes, the configuration and the reports stay.
    await runOk('dpkg', ['-r', 'psm-netcheck'], { timeoutMs: 120_000 });
    expect(await installed()).toBe('rc');
    for (const gone of ['/opt/psm-netcheck', '/usr/bin/psm-netcheck', ...UNITS.map((unit) => `/lib/systemd/system/${unit}`)]) {
      expect(existsOrLink(gone), gone).toBe(false);
    }
    expect(existsSync('/etc/psm-netcheck/inventory.yaml')).toBe(true);

    // Purge: nothing left but the system user, which Debian's policy keeps.
    await runOk('dpkg', ['--purge', 'psm-netcheck'], { timeoutMs: 120_000 });
    expect(await installed()).toBe('');
    for (const gone of ['/etc/psm-netcheck', '/var/lib/psm-netcheck', '/opt/psm-netcheck']) expect(existsOrLink(gone), gone).toBe(false);
    expect((await run('getent', ['passwd', 'psm-netcheck'])).code).toBe(0);
  }, 15 * 60_000);
});

describe.skipIf(whyRpm)(titleWith('the .rpm', whyRpm), () => {
  let rpm = '';

  beforeAll(async () => {
    rpm = path.join(await releaseArtifacts(), RPM);
  }, 20 * 60_000);

  const query = async (...args: string[]): Promise<string> => (await runOk('rpm', ['-qp', ...args, rpm])).stdout;

  it('is named in the README', () => {
    expect(installBlock('Debian/Ubuntu', /dnf install/).script).toContain(RPM);
  });

  it('lists the files in /opt, the command, the units, the configuration and the state directory', async () => {
    const files = (await query('-l')).trim().split('\n');
    for (const file of [
      '/opt/psm-netcheck/psm-netcheck',
      '/opt/psm-netcheck/bin/node',
      '/opt/psm-netcheck/lib/psm-netcheck.mjs',
      '/opt/psm-netcheck/lib/native/raw-socket.node',
      '/opt/psm-netcheck/THIRD-PARTY-NOTICES',
      '/usr/bin/psm-netcheck',
      ...UNITS.map((unit) => `/usr/lib/systemd/system/${unit}`),
      '/etc/psm-netcheck/inventory.yaml',
      '/var/lib/psm-netcheck',
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((file) => file.includes('node_modules'))).toEqual([]);
    // Configuration that an upgrade never overwrites (%config(noreplace): flags c and n).
    const flags = await query('--qf', '[%{FILENAMES} %{FILEFLAGS:fflags} %{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME}\n]');
    expect(flags).toMatch(/^\/etc\/psm-netcheck\/inventory\.yaml cn -rw-r----- root:psm-netcheck$/m);
    expect(flags).toMatch(/^\/etc\/psm-netcheck {2}drwxr-x--- root:psm-netcheck$/m);
    expect(flags).toMatch(/^\/var\/lib\/psm-netcheck {2}drwxr-x--- psm-netcheck:psm-netcheck$/m);
  });

  it('creates the user before install, never enables a unit, disables them only on erase', async () => {
    const scripts = await query('--scripts');
    const section = (name: string): string => new RegExp(`${name} scriptlet[^\\n]*\\n([\\s\\S]*?)(?=\\n\\w+ scriptlet|$)`).exec(scripts)?.[1] ?? '';
    expect(section('preinstall')).toMatch(/useradd --system .*psm-netcheck/s);
    expect(section('preinstall')).toMatch(/getent passwd psm-netcheck/);
    expect(scripts).not.toMatch(/systemctl[^\n]*\benable\b/);
    expect(section('preuninstall')).toMatch(/"\$1" -eq 0/);
    expect(section('preuninstall')).toMatch(/systemctl --no-reload disable/);
    expect(scripts).not.toMatch(/userdel/);
  });

  it('requires nothing newer than glibc 2.28, and shadow-utils for the user', async () => {
    const requires = await query('--requires');
    const glibc = [...requires.matchAll(/\(GLIBC_2\.(\d+)/g)].map((match) => Number(match[1]));
    expect(Math.max(...glibc)).toBe(28);
    expect(requires).toMatch(/^shadow-utils$/m);
  });

  it('holds a payload that runs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'psm-netcheck-rpm-'));
    await runOk('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', rpm], { cwd: dir, timeoutMs: 120_000 });
    expect((await runOk(path.join(dir, 'opt/psm-netcheck/psm-netcheck'), ['--version'])).stdout.trim()).toBe(VERSION);
    expect(readdirSync(path.join(dir, 'usr/lib/systemd/system')).sort()).toEqual([...UNITS].sort());
  });
});

function existsOrLink(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
