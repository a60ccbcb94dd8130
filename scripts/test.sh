#!/usr/bin/env bash
# Builds eigenscope (if needed) and runs the whole test suite with ctest; prints why any test was skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh "$@"
status=0
ctest --test-dir build --output-on-failure -j"$(nproc)" || status=$?
log=build/Testing/Temporary/LastTest.log
if grep -q ": Skipped$" "$log" 2>/dev/null; then
  echo "Skipped tests and why:"
  grep -A1 ": Skipped$" "$log" | grep -v -e "^--$" -e ": Skipped$" | sed 's/^/  /'
fi
exit "$status"
