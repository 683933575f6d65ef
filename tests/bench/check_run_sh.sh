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

# Publish + consume records how idle the CPUs were, and its published row is
# met by CPU per message alone when they were saturated: with every idle share
# counted as saturated, the verdict must follow the run's CPU figure.
SATURATED_IDLE=100 timeout 120 "$SRC/bench/run.sh" "$BUILD" --only pubsub --reps 1 --runfor 1s \
  --quick --out "$OUT"
grep -Eq '^\| … all CPUs idle during that run \(every process\) \|.*\| [0-9.]+ % \|' "$OUT" ||
  fail "no idle row for publish + consume"
row=$(grep -E '^\| publish \+ consume 1 × 1: published \|' "$OUT") || fail "no publish + consume row"
[[ $row == *"or, CPUs ≤ 100 % idle, ≤ 1171 ns/msg"* ]] || fail "no saturated alternative in the target"
# That figure is the larger of the CPU per published and per delivered.
delivered=$(grep -E '^\| publish \+ consume 1 × 1: delivered \|' "$OUT") || fail "no delivered row"
cpu_of() { sed -E 's/.* msg\/s, ([0-9.]+ (ns|µs))\/msg \|.*/\1/' <<<"$1"; }
ns_of() { awk '{ print ($2 == "µs") ? $1 * 1000 : $1 }' <<<"$1"; }
cpu_text=$(cpu_of "$row")
if awk -v d="$(ns_of "$(cpu_of "$delivered")")" -v p="$(ns_of "$cpu_text")" 'BEGIN { exit !(d > p) }'; then
  cpu_text=$(cpu_of "$delivered")
fi
cpu_ns=$(ns_of "$cpu_text")
case $row in
*"| yes (CPUs saturated, $cpu_text/msg) |") awk -v c="$cpu_ns" 'BEGIN { exit !(c <= 1171) }' ||
  fail "met by a CPU figure above 1171 ns/msg" ;;
*"| yes |") [[ $row =~ \|\ [0-9.]+M\ msg/s ]] || fail "met below 1M msg/s" ;; # ≥ 3.0M, shown rounded
*"| **no** |") awk -v c="$cpu_ns" 'BEGIN { exit !(c > 1171) }' ||
  fail "saturated (idle ≤ 100 %) at ≤ 1171 ns/msg but not met" ;;
*) fail "no verdict" ;;
esac

# The floor server (caf-nsq-bench floor) behind its nsqd-shaped wrapper.
run --compare "$SRC/bench/floor-nsqd"
grep -q 'Other broker: .*floor-nsqd.* one Asio thread answering OK' "$OUT" || fail "floor not named"
grep -Eq '^\| PUB batch 1, 1 connection, .*\| [0-9.]+k? msg/s, [0-9.]+ (ns|µs)/msg \| [0-9.]+k? msg/s, [0-9.]+ (ns|µs)/msg \|' "$OUT" ||
  fail "no compare row against the floor"
# It stores nothing: MPUB into it is timed, and its reader fails at once (the
# floor refuses SUB) instead of holding the run until its time limit.
timeout 60 "$SRC/bench/run.sh" "$BUILD" --only pub --reps 1 --runfor 1s --quick --out "$OUT" \
  --compare "$SRC/bench/floor-nsqd" || fail "MPUB against the floor did not finish"
grep -Eq '^\| publish 200 B, MPUB 200, .*\| [0-9.]+[kM]? msg/s, [0-9.]+ (ns|µs)/msg \| [0-9.]+[kM]? msg/s, [0-9.]+ (ns|µs)/msg \|' "$OUT" ||
  fail "no MPUB row against the floor"
grep -Eq '^\| consume them .*\| — \(no run\) \|' "$OUT" || fail "the floor consumed"
echo "bench/run.sh: ok"
