#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan, in
# build-fuzz) and runs each for FUZZ_SECONDS (default 30) against its committed
# seed corpus. New inputs go to a temporary directory, never into the repo.
# Fails on the first crash, leak, sanitizer report or timeout; the reproducer
# is left in build-fuzz/artifacts/.
# Usage: scripts/fuzz.sh [target...]   (default: every fuzz/corpus/* target)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
build=build-fuzz

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNSQ_FUZZ=ON -DBUILD_TESTING=OFF
cmake --build "$build" -j2 --target fuzzers

targets=("$@")
if ((${#targets[@]} == 0)); then
  for dir in fuzz/corpus/*/; do
    targets+=("$(basename "$dir")")
  done
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$build/artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "${targets[@]}"; do
  echo "== $t: ${seconds}s"
  mkdir -p "$scratch/$t"
  # First corpus dir receives new inputs (scratch); the committed seeds are read only.
  log="$scratch/$t.log"
  if ! "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
    "$scratch/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    tail -n 150 "$log" >&2
    echo "fuzz.sh: $t failed; reproducer in $build/artifacts/" >&2
    exit 1
  fi
  grep -E '^(Done|stat::(number_of_executed_units|new_units_added|peak_rss_mb))' "$log"
done
echo "fuzz.sh: all targets ran ${seconds}s without a crash"
