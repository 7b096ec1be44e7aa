#!/usr/bin/env bash
# run.sh BENCH_IAM PEER_DIR SETS_DIR - the IAM benchmark with its peer:
# bench_iam (mamori's figures for sets (a), (b) and (c); it also writes sets
# (a) and (b) as JSON requests and its figures into SETS_DIR), then
# @cloud-copilot/iam-simulate's figures for (a) and (b) from the same run
# with the ratio (peer_bench.mjs). The peer is installed into PEER_DIR by
# bench/iam-compat/install-peer.sh; without node, npm or the registry a
# "peer unavailable" line is printed instead and the run still succeeds.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bench=${1:?usage: run.sh BENCH_IAM PEER_DIR SETS_DIR}
peer=${2:?usage: run.sh BENCH_IAM PEER_DIR SETS_DIR}
sets=${3:?usage: run.sh BENCH_IAM PEER_DIR SETS_DIR}
mkdir -p "$sets"
"$bench" --sets "$sets" || exit $?
"$here/../iam-compat/install-peer.sh" "$peer" || exit 0
node "$here/peer_bench.mjs" --peer "$peer" --sets "$sets"
