#!/usr/bin/env bash
# run.sh MAMORI PEER_DIR [compat.mjs options] - the IAM differential check:
# install the pinned iam-simulate into PEER_DIR (install-peer.sh), then compare
# its decisions with MAMORI's (compat.mjs; counts and every new disagreement
# are printed). Exits 1 when a disagreement is not in triaged.json; prints a
# "peer unavailable" line and exits 0 when node, npm or the package cannot be
# had (a machine without them cannot run the check, which is not a failure of
# mamori's).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mamori=${1:?usage: run.sh MAMORI PEER_DIR [options]}
peer=${2:?usage: run.sh MAMORI PEER_DIR [options]}
shift 2
if ! "$here/install-peer.sh" "$peer"; then
  exit 0
fi
exec node "$here/compat.mjs" --mamori "$mamori" --peer "$peer" \
  --cases "$here/../../tests/iam/cases" --triaged "$here/triaged.json" \
  --out "$peer/../iam-compat-out" "$@"
