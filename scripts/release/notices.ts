import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * THIRD-PARTY-NOTICES: the license of every package whose code is in the release, taken from
 * what esbuild actually bundled (its metafile) plus the packages compiled into the native addons,
 * each checked against the lockfile (a development package in the bundle is a build error), and
 * the Node.js runtime's own license.
 */

export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  readonly dir: string;
}

/** Packages whose files esbuild put into the bundle, from the metafile's inputs. */
export function bundledPackages(root: string, inputs: readonly string[], compiledIn: readonly string[]): BundledPackage[] {
  const dirs = new Set<string>();
  for (const input of inputs) {
    // `namespace:path` inputs are the build's own stand-ins (a left-out module), not package files.
    if (/^[a-z-]+:/.test(input)) continue;
    const dir = packageDir(input);
    if (dir !== undefined) dirs.add(dir);
  }
  for (const name of compiledIn) dirs.add(`node_modules/${name}`);

  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; dev?: boolean; license?: string }>;
  };
  return [...dirs]
    .map((dir): BundledPackage => {
      const entry = lock.packages[dir];
      if (entry === undefined) throw new Error(`${dir} is bundled but not in package-lock.json`);
      if (entry.dev === true) throw new Error(`${dir} is a development dependency, yet the release bundles it`);
      const pkg = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as PackageJson;
      const license = licenseOf(pkg);
      if (license === undefined) throw new Error(`${dir} declares no license: read its license file and add it to UNDECLARED_LICENSES`);
      return { name: pkg.name, version: pkg.version, license, dir: path.join(root, dir) };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

/** `node_modules/a/node_modules/@s/b/lib/x.js` -> `node_modules/a/node_modules/@s/b`. */
function packageDir(input: string): string | undefined {
  const parts = input.split('/');
  const last = parts.lastIndexOf('node_modules');
  if (last < 0) return undefined;
  const scoped = parts[last + 1]?.startsWith('@') === true;
  const length = last + (scoped ? 3 : 2);
  return parts.length > length ? parts.slice(0, length).join('/') : undefined;
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly license?: unknown;
  readonly licenses?: unknown;
}

/** Licenses of packages whose package.json says none, as read in their license file. */
const UNDECLARED_LICENSES: Readonly<Record<string, string>> = {
  // node_modules/radius/LICENSE: the three-clause BSD text (Nearbuy Systems, 2012).
  radius: 'BSD-3-Clause',
};

/** `license` (SPDX or the old `{ type }`), the older `licenses: [{ type }]`, else the table above. */
function licenseOf(pkg: PackageJson): string | undefined {
  const typeOf = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : value !== null && typeof value === 'object' && 'type' in value && typeof value.type === 'string' ? value.type : undefined;
  const single = typeOf(pkg.license);
  if (single !== undefined) return single;
  if (Array.isArray(pkg.licenses)) {
    const types = pkg.licenses.map(typeOf).filter((type): type is string => type !== undefined);
    if (types.length > 0) return types.length === 1 ? types[0] : `(${types.join(' OR ')})`;
  }
  return UNDECLARED_LICENSES[pkg.name];
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.(md|txt|markdown))?$|^licen[cs]e[-.]/i;

function licenseTexts(dir: string): { file: string; text: string }[] {
  return readdirSync(dir)
    .filter((file) => LICENSE_FILE.test(file))
    .sort()
    .map((file) => ({ file, text: readFileSync(path.join(dir, file), 'utf8').trimEnd() }));
}

/** Where Node.js keeps its LICENSE next to a binary: official tarballs, Debian/NodeSource packages. */
export function nodeLicenseFile(nodeBinary: string): string {
  const prefix = path.dirname(path.dirname(nodeBinary));
  const candidates = [
    path.join(prefix, 'LICENSE'),
    path.join(prefix, 'share/doc/node/LICENSE'),
    path.join(prefix, 'share/doc/nodejs/LICENSE'),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) throw new Error(`no Node.js LICENSE next to ${nodeBinary} (looked at ${candidates.join(', ')})`);
  return found;
}

const RULE = '-'.repeat(78);

export function noticesText(packages: readonly BundledPackage[], node: { version: string; licenseFile: string }): string {
  const sections: string[] = [
    'THIRD-PARTY-NOTICES for the psm-netcheck release',
    '',
    'This release contains the Node.js runtime and the code of the npm packages listed below',
    '(bundled into lib/, and compiled into the native addons in lib/native/). Their licenses follow.',
    '',
    `Node.js ${node.version} (bin/node): MIT, with the licenses of the software it includes`,
    ...packages.map((pkg) => `${pkg.name} ${pkg.version}: ${pkg.license}`),
  ];
  sections.push('', RULE, `Node.js ${node.version}`, RULE, '', readFileSync(node.licenseFile, 'utf8').trimEnd());
  for (const pkg of packages) {
    sections.push('', RULE, `${pkg.name} ${pkg.version} (${pkg.license})`, RULE, '');
    const texts = licenseTexts(pkg.dir);
    if (texts.length === 0) {
      sections.push(`The package ships no license file; its package.json declares the license "${pkg.license}".`);
    }
    for (const { file, text } of texts) sections.push(texts.length > 1 ? `[${file}]\n${text}` : text);
  }
  return `${sections.join('\n')}\n`;
}
