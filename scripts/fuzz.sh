#!/usr/bin/env bash
# Run every fuzz target built in $1 (default build-fuzz) for FUZZ_SECONDS
# each (default 30), seeded from fuzz/seeds/<name>/ and from the matching
# corpus in ../shared/data when it exists. Exits non-zero on the first crash,
# leak, timeout or out-of-memory; the reproducer is left in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-30}
shared=../shared/data

seed_dirs() { # name -> the seed folders that exist for it
  local name=$1
  [ -d "fuzz/seeds/$name" ] && echo "fuzz/seeds/$name"
  case $name in
    json) [ -d "$shared/json/JSONTestSuite/test_parsing" ] && echo "$shared/json/JSONTestSuite/test_parsing" ;;
  esac
  return 0
}

status=0
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=${bin##*/fuzz_}
  corpus="$build/corpus-$name"
  mkdir -p "$corpus"
  echo "fuzz: $name for ${seconds}s"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds memory.
  if ! (cd "$build" && "fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 "corpus-$name" \
        $(seed_dirs "$name" | sed "s|^|$PWD/|") 2>"fuzz-$name.log"); then
    echo "fuzz: $name FAILED; see $build/fuzz-$name.log" >&2
    tail -n 40 "$build/fuzz-$name.log" >&2
    status=1
  else
    grep -E 'stat::number_of_executed_units|Done' "$build/fuzz-$name.log" | tail -n 2
  fi
done
exit $status
