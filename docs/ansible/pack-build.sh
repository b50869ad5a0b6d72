#!/usr/bin/env bash
# Packs this repository's build as a tarball laid out like the release tarball (one top directory
# with the `psm-netcheck` command in it), for the playbook's `psm_netcheck_archive` when there is no
# release to install yet. Run after `npm ci && npm run build`; the hosts then need Node.js 20 on
# PATH (the release tarball brings its own).
#   docs/ansible/pack-build.sh [OUT.tar.gz]     (default: psm-netcheck-build.tar.gz)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:-psm-netcheck-build.tar.gz}")
cd "$repo"
[ -f dist/src/cli/main.js ] || { echo "pack-build: no build in $repo/dist: run npm ci && npm run build first" >&2; exit 1; }

version=$(node -p 'require("./package.json").version')
top="psm-netcheck-$version-build"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$top/dist"

# What the command loads at run time: the compiled application and probes, the schemas, and the
# production dependencies (npm's own list of them, not the test and lint tools).
cp -r dist/src dist/probes "$stage/$top/dist/"
cp -r schemas package.json "$stage/$top/"
npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | while read -r dir; do
  rel=${dir#"$repo"/}
  mkdir -p "$stage/$top/$(dirname "$rel")"
  [ -e "$stage/$top/$rel" ] || cp -r "$dir" "$stage/$top/$rel"
done

cat > "$stage/$top/psm-netcheck" <<'LAUNCHER'
#!/bin/sh
# psm-netcheck from the repository's build (docs/ansible/pack-build.sh): Node.js 20 on PATH.
here=$(dirname "$(readlink -f "$0")")
exec node "$here/dist/src/cli/main.js" "$@"
LAUNCHER
chmod 0755 "$stage/$top/psm-netcheck"

tar -czf "$out" -C "$stage" "$top"
echo "$out"
