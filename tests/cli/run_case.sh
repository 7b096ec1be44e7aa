#!/usr/bin/env bash
# Run one CLI case file against the mamori binary and compare.
# usage: run_case.sh MAMORI CASEFILE SHARED_DATA
#
# A case file is lines of "key: value" (blank lines and '#' comments ignored):
#   args:   the arguments, shell words; $DATA is ../shared/data, $CASES the
#           folder of case files, $TMP a fresh scratch folder
#   stdin:  text for standard input (printf %b escapes: \n, \t, \x41)
#   exit:   the expected exit code
#   stdout: a line that must appear in standard output (repeatable)
#   stdout-has: a substring that must appear in standard output
#   stderr: a substring that must appear in standard error (repeatable)
#   no-stdout: a substring that must NOT appear in standard output
set -uo pipefail
mamori=$1 case=$2
export DATA=$3 CASES
CASES=$(cd "$(dirname "$case")" && pwd)
TMP=$(mktemp -d) && export TMP
trap 'rm -rf "$TMP"' EXIT

args= stdin= exit_want=0
want_out=() has_out=() want_err=() not_out=()
expand() { local v=${1//\$DATA/$DATA}; v=${v//\$CASES/$CASES}; printf '%s' "${v//\$TMP/$TMP}"; }
while IFS= read -r line || [ -n "$line" ]; do
  case $line in ''|'#'*) continue ;; esac
  key=${line%%:*} value=${line#*:}
  value=${value# }
  case $key in
    args) args=$value ;;
    stdin) stdin=$value ;;
    exit) exit_want=$value ;;
    stdout) want_out+=("$(expand "$value")") ;;
    stdout-has) has_out+=("$(expand "$value")") ;;
    stderr) want_err+=("$(expand "$value")") ;;
    no-stdout) not_out+=("$(expand "$value")") ;;
    *) echo "$case: unknown key '$key'" >&2; exit 1 ;;
  esac
done <"$case"

set -f # a pattern such as arn:aws:s3:::*/* is an argument, not a file glob
eval "set -- $args"
set +f
printf '%b' "$stdin" | "$mamori" "$@" >"$TMP/out" 2>"$TMP/err"
got=$?
fail=0
if [ "$got" != "$exit_want" ]; then echo "exit: want $exit_want, got $got"; fail=1; fi
for w in "${want_out[@]}"; do
  grep -qxF -- "$w" "$TMP/out" || { echo "stdout lacks the line: $w"; fail=1; }
done
for w in "${has_out[@]}"; do
  grep -qF -- "$w" "$TMP/out" || { echo "stdout lacks: $w"; fail=1; }
done
for w in "${not_out[@]}"; do
  grep -qF -- "$w" "$TMP/out" && { echo "stdout has: $w"; fail=1; }
done
for w in "${want_err[@]}"; do
  grep -qF -- "$w" "$TMP/err" || { echo "stderr lacks: $w"; fail=1; }
done
if [ $fail -ne 0 ]; then
  echo "--- mamori $args"; echo "--- stdout:"; head -n 30 "$TMP/out"
  echo "--- stderr:"; head -n 30 "$TMP/err"
fi
exit $fail
