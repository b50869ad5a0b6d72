/* global process, Buffer, URL */
// A read-only npm registry on loopback for one lockfile, served from an npm cache directory: the
// offline mirror a site without internet would run. The lockfile names every package version and
// its integrity; the tarball is the cache's content for that integrity (cacache's documented
// layout: content-v2/<algorithm>/<hex digest split 2/2/rest>). Packuments hold only what npm ci
// needs: each version's dist (tarball URL, integrity) and its dependency fields from the lockfile.
//
//   node local-registry.mjs PACKAGE-LOCK.json NPM-CACHE-DIR PORT
// Prints "listening" once it accepts connections. Listens on 127.0.0.1 only.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';

const [lockFile, cacheDir, portText] = process.argv.slice(2);
const port = Number(portText);
const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
const base = `http://127.0.0.1:${port}`;

/** name -> version -> manifest */
const packuments = new Map();
/** "/name/-/file.tgz" -> content path */
const tarballs = new Map();

for (const [location, entry] of Object.entries(lock.packages)) {
  if (location === '' || entry.link || entry.integrity === undefined) continue;
  const name = entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const file = `${name.split('/').at(-1)}-${entry.version}.tgz`;
  const tarballPath = `/${name}/-/${file}`;
  const [algorithm, digest] = entry.integrity.split(' ')[0].split('-');
  const hex = Buffer.from(digest, 'base64').toString('hex');
  tarballs.set(tarballPath, path.join(cacheDir, '_cacache/content-v2', algorithm, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4)));
  const versions = packuments.get(name) ?? new Map();
  const manifest = { name, version: entry.version, dist: { tarball: `${base}${tarballPath}`, integrity: entry.integrity } };
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines', 'os', 'cpu', 'license']) {
    if (entry[field] !== undefined) manifest[field] = entry[field];
  }
  if (entry.hasInstallScript) manifest.hasInstallScript = true;
  versions.set(entry.version, manifest);
  packuments.set(name, versions);
}

const server = createServer((request, response) => {
  const url = decodeURIComponent(new URL(request.url ?? '/', base).pathname);
  const tarball = tarballs.get(url);
  if (tarball !== undefined) {
    if (!existsSync(tarball)) return notFound(response);
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(tarball).pipe(response);
    return;
  }
  const versions = packuments.get(url.slice(1));
  if (versions === undefined) return notFound(response);
  const list = [...versions.keys()];
  const body = JSON.stringify({
    name: url.slice(1),
    'dist-tags': { latest: list.at(-1) },
    versions: Object.fromEntries(versions),
  });
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(body);
});

function notFound(response) {
  response.writeHead(404, { 'content-type': 'application/json' });
  response.end('{"error":"not found"}');
}

server.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
