#!/usr/bin/env bash
# bench/run.sh must not rot: one fast scenario, once, 1 s, into a scratch copy
# of a Markdown file, plain and with --compare (against the same binary). The
# rows must be there with a broker CPU-per-message figure, the text outside
# the marked sections kept, and a second run must replace its section, not
# add one. Last, --compare against the floor server (bench/floor-nsqd).
#   check_run_sh.sh <source dir> <build dir>
set -euo pipefail
SRC=$1
BUILD=$2
OUT=$(mktemp /tmp/caf-nsqd-run-sh-XXXXXX.md)
trap 'rm -f "$OUT"' EXIT
printf '# scratch\n\nhand-written text\n' >"$OUT"

fail() {
  echo "FAIL: $*" >&2
  cat "$OUT" >&2
  exit 1
}

run() { timeout 120 "$SRC/bench/run.sh" "$BUILD" --only pub1 --reps 1 --runfor 1s --quick --out "$OUT" "$@"; }

run
run # replaces the section
grep -q '^hand-written text$' "$OUT" || fail "text outside the section lost"
[[ $(grep -c '^<!-- bench/run.sh results: begin -->$' "$OUT") == 1 ]] || fail "not one results section"
grep -Eq '^\| PUB batch 1, 1 connection, .*\| [0-9.]+k? msg/s, [0-9.]+ (ns|µs)/msg \| (yes|\*\*no\*\*) \|$' "$OUT" ||
  fail "no PUB batch 1 row with msg/s and CPU/msg"
grep -Eq '^\| … round trip p99 \|.*\| [0-9.]+ (µs|ms) \|' "$OUT" || fail "no round-trip p99 row"
grep -q 'bench/run.sh .* --only pub1 --reps 1 --runfor 1s' "$OUT" || fail "no command line"

run --compare "$BUILD/caf-nsqd"
grep -q '^<!-- bench/run.sh compare: end -->$' "$OUT" || fail "no compare section"
grep -Eq '^\| PUB batch 1, 1 connection, .*\| [0-9.]+k? msg/s, [0-9.]+ (ns|µs)/msg \| [0-9.]+k? msg/s, [0-9.]+ (ns|µs)/msg \| [0-9.]+ \| [0-9.]+ \| (yes|\*\*no\*\*) \|$' "$OUT" ||
  fail "no compare row with both figures, ratio and CPU ratio"
[[ $(grep -c '^<!-- bench/run.sh results: begin -->$' "$OUT") == 1 ]] || fail "compare touched the results section"

# The floor server (caf-nsq-bench floor) behind its nsqd-shaped wrapper.
run --compare "$SRC/bench/floor-nsqd"
grep -q 'Other broker: .*floor-nsqd.* one Asio thread answering OK' "$OUT" || fail "floor not named"
grep -Eq '^\| PUB batch 1, 1 connection, .*\| [0-9.]+k? msg/s, [0-9.]+ (ns|µs)/msg \| [0-9.]+k? msg/s, [0-9.]+ (ns|µs)/msg \|' "$OUT" ||
  fail "no compare row against the floor"
echo "bench/run.sh: ok"
