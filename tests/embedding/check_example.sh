#!/usr/bin/env bash
# examples/embedded.cpp without a cluster: a broker inside the program, five
# messages published to "orders" and consumed, FINed and printed on "audit";
# memory only, then durable in a fresh data path. Every run bounded by timeout.
# Usage: check_example.sh <example-embedded binary>
set -euo pipefail
example=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$work/out" "$work/err" >&2 2>/dev/null || true; exit 1; }

check_run() { # <label> <flags...>
  local label=$1
  shift
  timeout 60 "$example" --count=5 "$@" >"$work/out" 2>"$work/err" ||
    fail "$label: exit status $?"
  local expected="published 5 to orders"
  for i in 1 2 3 4 5; do expected+=$'\n'"audit got: order #$i"; done
  expected+=$'\n'"audit finished 5"$'\n'"bye"
  [[ $(cat "$work/out") == "$expected" ]] || fail "$label: unexpected output"
  echo "$label: OK"
}
check_run memory
mkdir "$work/data"
check_run durable --data-path="$work/data"
[[ -f $work/data/nsqd.dat ]] || fail "durable: no nsqd.dat in the data path"
grep -q '"orders"' "$work/data/nsqd.dat" || fail "durable: topic orders not in nsqd.dat"
timeout 10 "$example" --bogus >/dev/null 2>&1 && fail "an unknown flag was accepted"
echo "embedded example: OK"
