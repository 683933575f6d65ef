#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test twice: a Release
# build, and a build under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)

run_suite() { # <build dir> <cmake args...>
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja "$@"
  cmake --build "$dir" -j2
  (cd "$dir" && ctest --output-on-failure -j2 --timeout 300)
}

run_suite build -DCMAKE_BUILD_TYPE=Release
# Crash/soak harness against the Release binary: random SIGKILL/SIGTERM,
# a disk-full episode, vanishing consumers (longer runs: scripts/soak.sh 30).
bash scripts/soak.sh "${SOAK_MINUTES:-2}"
# The same for a three-member cluster: members SIGKILLed, SIGTERMed or
# frozen under load (longer runs: scripts/cluster_soak.sh 600).
bash scripts/cluster_soak.sh "${CLUSTER_SOAK_SECONDS:-45}"
# The sanitizer build batches every library's files: each directory must
# compile as one unit, whatever the batches (~1 min, syntax only).
bash scripts/check_unity.sh
# CAF's own shared libraries are not instrumented; leaks are checked in our code.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# -O1 and line tables only, as ASan's docs advise: the stack traces keep file
# and line, and this build takes half as long as at -O2 -g.
run_suite build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNSQ_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
# The cluster's failure paths (kills, SIGTERMs, freezes) under the sanitizers.
NSQD_BINARY=$PWD/build-asan/caf-nsqd bash scripts/cluster_soak.sh "${ASAN_CLUSTER_SOAK_SECONDS:-30}"
# Fuzz every untrusted input briefly (libFuzzer, clang, build-fuzz).
FUZZ_SECONDS=${FUZZ_SECONDS:-20} bash scripts/fuzz.sh
