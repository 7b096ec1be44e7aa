#!/usr/bin/env bash
# Source checks a machine can make (STYLE.md 16): no banned calls in C code,
# and every C file formatted by the committed .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' '*.cpp')
status=0

# Calls with a safer form in the project: strcpy/strcat (mm_buf, memcpy with
# a length), sprintf/vsprintf (snprintf), gets, atoi/atol/atof (strtol with
# an error check), strtok (not reentrant).
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|atof|strtok)[[:space:]]*\('
# Comment lines (" * ...", "/* ...", "// ...") may name them.
if hits=$(grep -nE "$banned" $files | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)'); then
  echo "checksrc: banned calls:" >&2
  echo "$hits" >&2
  status=1
fi

if command -v clang-format >/dev/null 2>&1; then
  if ! clang-format --dry-run --Werror $files 2>/tmp/checksrc-format.log; then
    echo "checksrc: not formatted (run: clang-format -i \$(git ls-files '*.c' '*.h' '*.cpp')):" >&2
    head -n 40 /tmp/checksrc-format.log >&2
    status=1
  fi
fi
exit $status
