#!/usr/bin/env bash
# install-peer.sh DIR - install the pinned @cloud-copilot/iam-simulate
# (package.json and package-lock.json beside this script) into DIR with
# `npm ci`, for the IAM differential check (compat.mjs) and the IAM benchmark
# (bench/iam). The package is AGPL-3.0: it is only ever run as an outside
# program from the build folder, never copied into the repository.
#
# Idempotent: when DIR already holds the pinned version it does nothing.
# Prints one "peer unavailable: WHY" line on stdout and exits 3 when node or
# npm is missing or the install fails (no network), so that callers can say
# so instead of failing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: install-peer.sh DIR}
pin=$(sed -n 's/.*"@cloud-copilot\/iam-simulate": "\([^"]*\)".*/\1/p' "$here/package.json")

unavailable() { echo "iam-simulate: peer unavailable: $*"; exit 3; }
command -v node >/dev/null 2>&1 || unavailable "node is not installed (scripts/deps.sh installs it)"
command -v npm >/dev/null 2>&1 || unavailable "npm is not installed (scripts/deps.sh installs it)"
major=$(node -e 'console.log(process.versions.node.split(".")[0])')
[ "$major" -ge 18 ] 2>/dev/null || unavailable "node $(node --version) is too old (18 or later)"

installed="$dir/node_modules/@cloud-copilot/iam-simulate/package.json"
if [ -f "$installed" ] && grep -q "\"version\": \"$pin\"" "$installed" &&
   cmp -s "$here/package-lock.json" "$dir/package-lock.json"; then
  exit 0
fi
mkdir -p "$dir" || unavailable "cannot create $dir"
cp "$here/package.json" "$here/package-lock.json" "$dir/" || unavailable "cannot write $dir"
if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >npm-install.log 2>&1); then
  unavailable "npm ci failed (see $dir/npm-install.log)"
fi
[ -f "$installed" ] || unavailable "the package did not install into $dir"
