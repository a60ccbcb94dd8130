#!/usr/bin/env bash
# eigenscope-cli's failures: exit code 1 and one line on stderr that names what is at fault.
# Usage: cli_errors_test.sh CLI
set -uo pipefail
cli=$1
err=$(mktemp)
trap 'rm -f "$err"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_error() {  # PATTERN ARGS...: exit 1, one stderr line matching PATTERN, nothing on stdout
  local pattern=$1
  shift
  local out
  out=$("$cli" "$@" 2> "$err")
  local rc=$?
  [ "$rc" -eq 1 ] || fail "$* exited with $rc, not 1"
  [ -z "$out" ] || fail "$* printed on stdout: $out"
  [ "$(wc -l < "$err")" -eq 1 ] || fail "$*: the error is not one line: $(cat "$err")"
  grep -Eq "$pattern" "$err" || fail "$*: expected /$pattern/ in: $(cat "$err")"
}
expect_error '^eigenscope-cli: error: preset:no-such-model: no such preset \(known: .*cpu-paper-mqar-mamba2' info preset:no-such-model
expect_error '^eigenscope-cli: error: /no/such/model.json: cannot open' info /no/such/model.json
expect_error '^eigenscope-cli: error: input nonsense: expected randn, impulse' analyze preset:s6 --input nonsense
echo "cli errors: ok"
