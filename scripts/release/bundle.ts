import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * The application bundled with esbuild for the release: ESM, split at every dynamic `import()`, so
 * that what the CLI loads lazily today (each command's module, ssh2, net-snmp, fast-xml-parser,
 * dns-packet, raw-socket) stays in chunks of its own that are read only when used. All chunks sit
 * in one directory, next to `native/` with the prebuilt addons, because a chunk finds an addon by
 * a path relative to itself.
 */

/** A native addon shipped next to the bundle, and the file of the built package it comes from. */
export interface NativeAddon {
  /** The path the package's JavaScript requires, as esbuild sees it (a suffix of the resolved path). */
  readonly requiredAs: string;
  /** The built file in node_modules. */
  readonly source: string;
  /** Its name in `lib/native/`. */
  readonly name: string;
}

/**
 * The addons the release ships: raw ICMP sockets. Built on the build machine against the Node.js
 * it ships; raw-socket asks for nothing newer than GLIBC_2.28, as bin/node does.
 */
export function nativeAddons(root: string): NativeAddon[] {
  return [
    {
      requiredAs: 'raw-socket/build/Release/raw.node',
      source: path.join(root, 'node_modules/raw-socket/build/Release/raw.node'),
      name: 'raw-socket.node',
    },
  ];
}

/**
 * Addons left out, whose package works without them (it catches the failed require): ssh2's
 * optional cipher binding, which built here asks for GLIBC_2.34 (dlsym moved into libc) and so
 * would raise the release's floor above RHEL 8's 2.28; ssh2 then uses Node's own crypto and its
 * WebAssembly Poly1305, as it does wherever the binding did not build.
 */
const OPTIONAL_ADDONS_LEFT_OUT = ['ssh2/lib/protocol/crypto/build/Release/sshcrypto.node'];

/**
 * Optional packages that the bundle must not pick up from wherever it is unpacked: requiring them
 * throws, and their users catch that (ssh2 only orders its ciphers by cpu-features' answer).
 */
const LEFT_OUT = ['cpu-features'];

/**
 * The timing lane (src/runner/timing-lane.ts) starts its thread from `./timing-worker.js` next to
 * itself. In the release the thread is the entry `timing-worker.mjs` in the same directory as
 * every chunk (an ES module: lib/ has no package.json saying "type": "module", so a `.js` file
 * there would be read as CommonJS): the one reference is rewritten, and a source that no longer
 * holds it fails the build rather than ship a lane that silently stays off.
 */
const LANE_WORKER = {
  entry: 'timing-worker',
  source: 'src/runner/timing-worker.ts',
  lane: path.join('src', 'runner', 'timing-lane.ts'),
  reference: "new URL('./timing-worker.js', import.meta.url)",
  bundled: "new URL('./timing-worker.mjs', import.meta.url)",
} as const;

const COMMONJS_GLOBALS = [
  "import { createRequire as __psmCreateRequire } from 'node:module';",
  "import { dirname as __psmDirname } from 'node:path';",
  "import { fileURLToPath as __psmFileURLToPath } from 'node:url';",
  'const require = __psmCreateRequire(import.meta.url);',
  'const __filename = __psmFileURLToPath(import.meta.url);',
  'const __dirname = __psmDirname(__filename);',
].join('\n');

/**
 * CommonJS libraries that only work in sloppy mode, bundled apart as CommonJS files in
 * `lib/vendor/`: everything in an ES module is strict, and net-snmp's MIB code assigns through a
 * Proxy whose trap returns false, which strict mode turns into a TypeError.
 */
const SLOPPY_COMMONJS = ['net-snmp'];

export interface BundleResult {
  readonly entry: string;
  /** The timing lane's thread (src/runner/timing-worker.ts), next to the entry. */
  readonly laneWorker: string;
  /** What esbuild read, for the notices: the application bundle's inputs and the vendored files'. */
  readonly inputs: readonly string[];
}

export async function bundleApplication(root: string, outdir: string, version: string, addons: readonly NativeAddon[]): Promise<BundleResult> {
  const result = await build({
    absWorkingDir: root,
    // The timing lane's thread is an entry of its own: node starts it from a file (new Worker),
    // which esbuild cannot follow from the main entry. Its probes share chunks with the CLI.
    entryPoints: { 'psm-netcheck': 'src/cli/main.ts', [LANE_WORKER.entry]: LANE_WORKER.source },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    // The licenses are gathered in THIRD-PARTY-NOTICES instead.
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    // CommonJS libraries inside an ES module still call require() and read __dirname: give every
    // chunk its own, from the chunk's file (built-in modules, and the addons in ./native/).
    banner: { js: COMMONJS_GLOBALS },
    plugins: [
      bakedVersion(version),
      bundledRequires(root),
      nativeAddonsNextToBundle(addons),
      leftOut(LEFT_OUT),
      vendored(SLOPPY_COMMONJS),
    ],
  });
  const inputs = [...Object.keys(result.metafile.inputs)];
  for (const name of SLOPPY_COMMONJS) {
    const vendor = await build({
      absWorkingDir: root,
      entryPoints: [name],
      outfile: path.join(outdir, 'vendor', `${name}.cjs`),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      legalComments: 'none',
      metafile: true,
      logLevel: 'warning',
      plugins: [nativeAddonsNextToBundle(addons, '../native'), leftOut(LEFT_OUT)],
    });
    inputs.push(...Object.keys(vendor.metafile.inputs));
  }
  return { entry: path.join(outdir, 'psm-netcheck.mjs'), laneWorker: path.join(outdir, `${LANE_WORKER.entry}.mjs`), inputs };
}

/** Imports of these packages point at their CommonJS bundle in ./vendor/ instead. */
function vendored(names: readonly string[]): Plugin {
  return {
    name: 'vendored',
    setup(build) {
      build.onResolve({ filter: exactNames(names) }, (args) => ({ path: `./vendor/${args.path}.cjs`, external: true }));
    },
  };
}

function exactNames(names: readonly string[]): RegExp {
  return new RegExp(`^(${names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
}

/** src/core/version.ts reads package.json next to the sources; the bundle has the version built in. */
function bakedVersion(version: string): Plugin {
  return {
    name: 'baked-version',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]core[\\/]version\.ts$/ }, () => ({
        contents: `export const TOOL_VERSION = ${JSON.stringify(version)};\n`,
        loader: 'ts',
      }));
    },
  };
}

const CREATE_REQUIRE_CALL = /createRequire\(import\.meta\.url\)\(/g;

/**
 * A few modules load a CommonJS library synchronously on first use through
 * `createRequire(import.meta.url)` (yaml, fast-xml-parser, radius). esbuild cannot see through
 * that, and the release has no node_modules to find the library in; as a plain require() call it
 * is bundled, and esbuild's CommonJS wrapper still runs it only when called.
 */
function bundledRequires(root: string): Plugin {
  return {
    name: 'bundled-requires',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        let contents = source.replace(CREATE_REQUIRE_CALL, 'require(');
        const relative = path.relative(root, args.path);
        if (relative === LANE_WORKER.lane) {
          if (!contents.includes(LANE_WORKER.reference)) {
            throw new Error(`${relative} no longer starts its thread with ${LANE_WORKER.reference}: update LANE_WORKER in scripts/release/bundle.ts`);
          }
          contents = contents.replace(LANE_WORKER.reference, LANE_WORKER.bundled);
        }
        if (contents.replaceAll(LANE_WORKER.bundled, '').includes('import.meta.url')) {
          throw new Error(
            `${relative} uses import.meta.url in a way the release bundle does not handle ` +
              '(files are not next to the sources in the release): extend scripts/release/bundle.ts',
          );
        }
        return { contents, loader: 'ts' };
      });
    },
  };
}

/**
 * A dependency's require() of its `.node` file becomes one of `./native/NAME`, resolved at run
 * time from the chunk's own file (the banner's require). An addon this list does not know fails
 * the build, so that a new native dependency cannot slip into a release that lacks it.
 */
function nativeAddonsNextToBundle(addons: readonly NativeAddon[], nativeDir = './native'): Plugin {
  return {
    name: 'native-addons',
    setup(build) {
      build.onResolve({ filter: /\.node$/ }, (args) => {
        const resolved = path.resolve(args.resolveDir, args.path).split(path.sep).join('/');
        const addon = addons.find((candidate) => resolved.endsWith(`/${candidate.requiredAs}`));
        if (OPTIONAL_ADDONS_LEFT_OUT.some((left) => resolved.endsWith(`/${left}`))) {
          return { path: resolved, namespace: 'left-out' };
        }
        if (addon === undefined) {
          throw new Error(`${args.importer} requires the native addon ${args.path}, which the release does not ship: add it to nativeAddons()`);
        }
        if (!existsSync(addon.source)) {
          throw new Error(
            `${addon.source} is not built: the release ships it prebuilt. Build it with python3, make and g++ ` +
              'installed (npm rebuild raw-socket), with the Node.js 20 that the release ships.',
          );
        }
        return { path: `${nativeDir}/${addon.name}`, external: true };
      });
    },
  };
}

function leftOut(names: readonly string[]): Plugin {
  return {
    name: 'left-out',
    setup(build) {
      build.onResolve({ filter: exactNames(names) }, (args) => ({ path: args.path, namespace: 'left-out' }));
      build.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${path.basename(args.path)} is not part of the psm-netcheck release`)});\n`,
        loader: 'js',
      }));
    },
  };
}
