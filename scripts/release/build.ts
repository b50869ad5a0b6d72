import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleApplication, nativeAddons } from './bundle.js';
import { bundledPackages, nodeLicenseFile, noticesText } from './notices.js';
import { buildDeb, buildRpm } from './packages.js';
import { copyInto, fixMtimes, listFiles, reproducibleTarGz, runTool, sha256Lines } from './tools.js';

/**
 * `npm run release`: the self-contained release for Linux, and the .deb and .rpm made from it.
 *
 *   npm run release -- [--out release] [--formats tar,deb,rpm]
 *
 * The tarball `psm-netcheck-VERSION-linux-ARCH.tar.gz` holds one directory:
 *   psm-netcheck            launcher (sh): runs lib/ with bin/node, through any symlink
 *   bin/node                the Node.js 20 runtime that runs this build (a portable build: glibc only)
 *   lib/*.mjs               the application bundled by esbuild, one chunk per lazily loaded part,
 *                           and the timing lane's thread (timing-worker.mjs)
 *   lib/native/*.node       the native addons, prebuilt for that runtime
 *   schemas/, inventory.example.yaml, systemd/, README.md, THIRD-PARTY-NOTICES, SHA256SUMS
 * Next to it: SHA256SUMS of the artifacts. Reproducible from the same inputs: entries sorted,
 * times from SOURCE_DATE_EPOCH or the last commit, owners 0.
 */

const ROOT = fileURLToPath(new URL('.', import.meta.url)).replace(/\/(dist\/)?scripts\/release\/?$/, '');

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(ROOT, 'release') },
    formats: { type: 'string', default: 'tar,deb,rpm' },
  },
});
const formats = new Set((values.formats ?? '').split(',').filter(Boolean));
for (const format of formats) if (!['tar', 'deb', 'rpm'].includes(format)) throw new Error(`--formats: tar, deb, rpm (got ${format})`);
const outDir = path.resolve(values.out ?? 'release');

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const version = pkg.version;

// The runtime shipped is the one running this build: the addons were built for it by npm ci.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor !== 20) throw new Error(`the release ships the Node.js that runs the build; run it with Node.js 20 (this is ${process.version})`);
if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
  throw new Error(`releases are built for Linux x64 and arm64 (this is ${process.platform}-${process.arch})`);
}
const arch = process.arch;

const epoch = sourceDateEpoch();
const name = `psm-netcheck-${version}-linux-${arch}`;
const work = path.join(outDir, '.work');
const tree = path.join(work, name);

const log = (line: string): void => void process.stdout.write(`${line}\n`);

rmSync(work, { recursive: true, force: true });
mkdirSync(tree, { recursive: true });

log(`bundling psm-netcheck ${version} with esbuild`);
const addons = nativeAddons(ROOT);
const bundle = await bundleApplication(ROOT, path.join(tree, 'lib'), version, addons);
for (const addon of addons) copyInto(addon.source, path.join(tree, 'lib/native', addon.name), 0o755);

copyInto(process.execPath, path.join(tree, 'bin/node'), 0o755);
copyInto(path.join(ROOT, 'packaging/launcher.sh'), path.join(tree, 'psm-netcheck'), 0o755);
for (const schema of readdirSync(path.join(ROOT, 'schemas')).filter((file) => file.endsWith('.json'))) {
  copyInto(path.join(ROOT, 'schemas', schema), path.join(tree, 'schemas', schema), 0o644);
}
for (const unit of readdirSync(path.join(ROOT, 'docs/systemd'))) {
  copyInto(path.join(ROOT, 'docs/systemd', unit), path.join(tree, 'systemd', unit), 0o644);
}
copyInto(path.join(ROOT, 'inventory.example.yaml'), path.join(tree, 'inventory.example.yaml'), 0o644);
copyInto(path.join(ROOT, 'README.md'), path.join(tree, 'README.md'), 0o644);

// raw-socket's addon compiles nan (headers) into itself; the rest is what esbuild bundled.
const packages = bundledPackages(ROOT, bundle.inputs, ['raw-socket', 'nan']);
writeFileSync(
  path.join(tree, 'THIRD-PARTY-NOTICES'),
  noticesText(packages, { version: process.version, licenseFile: nodeLicenseFile(process.execPath) }),
  { mode: 0o644 },
);

smokeTest(tree, bundle.laneWorker);
writeFileSync(path.join(tree, 'SHA256SUMS'), sha256Lines(tree, listFiles(tree)), { mode: 0o644 });
await fixMtimes(tree, epoch);

mkdirSync(outDir, { recursive: true });
const artifacts: string[] = [];
if (formats.has('tar')) {
  const tarball = path.join(outDir, `${name}.tar.gz`);
  log(`writing ${tarball}`);
  reproducibleTarGz(work, name, tarball, epoch);
  artifacts.push(tarball);
}
const packageInput = { root: ROOT, tree, version, arch, epoch, license: licenseExpression(packages), work } as const;
if (formats.has('deb')) {
  log('building the .deb (dpkg-deb)');
  artifacts.push(await buildDeb(packageInput, outDir));
}
if (formats.has('rpm')) {
  log('building the .rpm (rpmbuild)');
  artifacts.push(await buildRpm(packageInput, outDir));
}
rmSync(work, { recursive: true, force: true });

const names = artifacts.map((artifact) => path.basename(artifact)).sort();
writeFileSync(path.join(outDir, 'SHA256SUMS'), sha256Lines(outDir, names));
for (const artifact of names) log(`  ${path.join(outDir, artifact)}`);
log(`  ${path.join(outDir, 'SHA256SUMS')}`);

/** SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the last commit's time. */
function sourceDateEpoch(): number {
  const given = process.env.SOURCE_DATE_EPOCH;
  if (given !== undefined && /^\d+$/.test(given)) return Number(given);
  try {
    return Number(execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

/**
 * Before anything is packed: the launcher runs the bundle with the shipped runtime, with no PATH
 * to another node, the shipped runtime loads each addon, and the timing lane's thread starts and
 * says it has loaded its probes (without it a mixed run would time NTP and TCP on the busy loop).
 */
function smokeTest(dir: string, laneWorker: string): void {
  const env = { PATH: '/usr/bin:/bin', LANG: 'C' };
  const shown = runTool(path.join(dir, 'psm-netcheck'), ['--version'], { env }).trim();
  if (shown !== version) throw new Error(`the bundled CLI says version "${shown}", expected ${version}`);
  for (const addon of addons) {
    runTool(path.join(dir, 'bin/node'), ['-e', 'process.dlopen({ exports: {} }, process.argv[1])', path.join(dir, 'lib/native', addon.name)], { env });
  }
  const lane = [
    "const { Worker } = require('node:worker_threads');",
    'const worker = new Worker(process.argv[1]);',
    "const timer = setTimeout(() => { console.error('the timing thread did not say ready'); process.exit(1); }, 20000);",
    "worker.on('message', (m) => { if (m && m.ready === true) { clearTimeout(timer); void worker.terminate(); } });",
    "worker.on('error', (e) => { console.error(e); process.exit(1); });",
  ].join('\n');
  runTool(path.join(dir, 'bin/node'), ['-e', lane, laneWorker], { env });
}

/** The RPM License: tag: the distinct licenses inside, Node's MIT among them. */
function licenseExpression(list: readonly { license: string }[]): string {
  const distinct = [...new Set(['MIT', ...list.map((entry) => entry.license)])].sort();
  return distinct.map((license) => (license.includes(' ') ? `(${license})` : license)).join(' AND ');
}
