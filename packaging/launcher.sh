#!/bin/sh
# psm-netcheck: runs the bundled application (lib/) with the Node.js runtime of this release
# (bin/), found next to this file even when it is called through a symlink such as
# /usr/local/bin/psm-netcheck. Nothing from the system's Node.js or npm is used.
self=$(readlink -f -- "$0") || exit 3
here=${self%/*}
exec "$here/bin/node" "$here/lib/psm-netcheck.mjs" "$@"
