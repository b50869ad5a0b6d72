import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { copyInto, fixMtimes, listFiles, runTool } from './tools.js';

/**
 * The .deb and the .rpm, both from the same staged release tree: files under /opt/psm-netcheck,
 * the command in /usr/bin, the systemd units installed (never enabled), the example inventory as
 * /etc/psm-netcheck/inventory.yaml marked as configuration, the psm-netcheck user created on
 * install. Built with the distributions' own tools: dpkg-deb, and rpmbuild (Debian's `rpm`).
 */

export interface PackageInput {
  readonly root: string;
  /** The staged release directory (what the tarball holds). */
  readonly tree: string;
  readonly version: string;
  readonly arch: 'x64' | 'arm64';
  readonly epoch: number;
  /** SPDX-ish license expression of everything inside, for the RPM header. */
  readonly license: string;
  readonly work: string;
}

export const PACKAGE_RELEASE = '1';
const UNITS = ['psm-netcheck.service', 'psm-netcheck.timer', 'psm-netcheck-serve.service'];

/** The package's file tree: /opt, /usr/bin, the units (with the package's path of the command), /etc. */
function stageFilesystem(input: PackageInput, into: string, unitDir: string): void {
  const opt = path.join(into, 'opt/psm-netcheck');
  mkdirSync(path.dirname(opt), { recursive: true });
  cpSync(input.tree, opt, { recursive: true, preserveTimestamps: true });
  mkdirSync(path.join(into, 'usr/bin'), { recursive: true });
  symlinkSync('/opt/psm-netcheck/psm-netcheck', path.join(into, 'usr/bin/psm-netcheck'));
  for (const unit of UNITS) {
    // The units call /usr/local/bin/psm-netcheck (a tarball install's symlink); a package puts it in /usr/bin.
    const text = readFileSync(path.join(input.root, 'docs/systemd', unit), 'utf8').replaceAll('/usr/local/bin/psm-netcheck', '/usr/bin/psm-netcheck');
    mkdirSync(path.join(into, unitDir), { recursive: true });
    writeFileSync(path.join(into, unitDir, unit), text, { mode: 0o644 });
  }
  copyInto(path.join(input.root, 'inventory.example.yaml'), path.join(into, 'etc/psm-netcheck/inventory.yaml'), 0o644);
}

export async function buildDeb(input: PackageInput, outDir: string): Promise<string> {
  const arch = input.arch === 'x64' ? 'amd64' : 'arm64';
  const stage = path.join(input.work, 'deb');
  rmSync(stage, { recursive: true, force: true });
  stageFilesystem(input, stage, 'lib/systemd/system');
  const control = path.join(stage, 'DEBIAN');
  mkdirSync(control, { recursive: true });
  const installedKb = Math.ceil(Number(runTool('du', ['-sk', '--apparent-size', stage]).split('\t')[0]) || 0);
  writeFileSync(
    path.join(control, 'control'),
    [
      'Package: psm-netcheck',
      `Version: ${input.version}-${PACKAGE_RELEASE}`,
      `Architecture: ${arch}`,
      'Maintainer: psm-netcheck maintainers <psm-netcheck@localhost>',
      `Installed-Size: ${installedKb}`,
      // bin/node's own needs (GLIBC_2.28, GLIBCXX_3.4.21); useradd for the system user.
      'Depends: libc6 (>= 2.28), libstdc++6 (>= 5.2), libgcc-s1 | libgcc1, passwd',
      // The system ping is the ICMP fallback when a raw socket is not allowed.
      'Recommends: iputils-ping',
      'Section: net',
      'Priority: optional',
      'Description: connectivity checks of a proNX Service Manager network against its port tables',
      " psm-netcheck verifies the network paths of a PSM deployment against the vendor's port tables",
      ' (PSM Networking Considerations, Tables 1-8) and reports each path with a diagnosis.',
      ' Self-contained: its own Node.js runtime; no npm, compiler or network needed.',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(control, 'conffiles'), '/etc/psm-netcheck/inventory.yaml\n');
  for (const script of ['postinst', 'prerm', 'postrm']) {
    copyInto(path.join(input.root, 'packaging/deb', script), path.join(control, script), 0o755);
  }
  writeFileSync(path.join(control, 'md5sums'), md5sums(stage));
  await fixMtimes(stage, input.epoch);
  const output = path.join(outDir, `psm-netcheck_${input.version}-${PACKAGE_RELEASE}_${arch}.deb`);
  // gzip: every dpkg in use reads it, and it is several times faster to write than xz for the runtime.
  runTool('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', stage, output], {
    env: { ...process.env, SOURCE_DATE_EPOCH: String(input.epoch) },
  });
  return output;
}

function md5sums(stage: string): string {
  const files = listFiles(stage).filter((file) => !file.startsWith('DEBIAN/') && !file.startsWith('usr/bin/'));
  return runTool('md5sum', ['--', ...files], { cwd: stage });
}

export async function buildRpm(input: PackageInput, outDir: string): Promise<string> {
  const arch = input.arch === 'x64' ? 'x86_64' : 'aarch64';
  const top = path.join(input.work, 'rpm');
  rmSync(top, { recursive: true, force: true });
  const tree = path.join(top, 'tree');
  stageFilesystem(input, tree, 'usr/lib/systemd/system');
  mkdirSync(path.join(tree, 'var/lib/psm-netcheck'), { recursive: true });
  chmodSync(path.join(tree, 'var/lib/psm-netcheck'), 0o750);
  await fixMtimes(tree, input.epoch);

  const spec = readFileSync(path.join(input.root, 'packaging/rpm/psm-netcheck.spec.in'), 'utf8')
    .replaceAll('@VERSION@', input.version)
    .replaceAll('@RELEASE@', PACKAGE_RELEASE)
    .replaceAll('@LICENSE@', input.license)
    .replaceAll('@ARCH@', arch)
    .replaceAll('@TREE@', tree);
  const specFile = path.join(top, 'psm-netcheck.spec');
  writeFileSync(specFile, spec);
  runTool(
    'rpmbuild',
    [
      '-bb',
      '--define', `_topdir ${top}`,
      '--define', `_rpmdir ${outDir}`,
      '--define', '_rpmfilename %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
      '--define', '_buildhost psm-netcheck-release',
      '--define', 'use_source_date_epoch_as_buildtime 1',
      '--define', 'clamp_mtime_to_source_date_epoch 1',
      '--target', arch,
      specFile,
    ],
    { env: { ...process.env, SOURCE_DATE_EPOCH: String(input.epoch) } },
  );
  return path.join(outDir, `psm-netcheck-${input.version}-${PACKAGE_RELEASE}.${arch}.rpm`);
}
