#!/usr/bin/env bash
# Runs the standard caf-nsqd benchmark scenarios on loopback and writes
# docs/performance.md and docs/img/*.png.
#
#   bench/run.sh [build-dir]        # default build-dir: build-bench (Release)
#   BENCH_QUICK=1 bench/run.sh      # smoke run: 2 s runs, 1 repetition
#   BENCH_ONLY="pub latency" ...    # only the named groups (see `groups` below)
#
# Every scenario starts a fresh caf-nsqd (temporary data dir, free port), runs
# REPS times and reports the median. Memory and CPU come from /proc/<pid>.
# Every wait is bounded; nothing listens beyond 127.0.0.1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build-bench}
NSQD=$BUILD/caf-nsqd
BENCH=$BUILD/caf-nsq-bench
OUT_MD=${BENCH_OUT:-$ROOT/docs/performance.md}
IMG_DIR=$ROOT/docs/img
if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  RUNFOR=2 REPS=1 IDLE_SECS=2 SWEEP_RUNFOR=1
else
  RUNFOR=10 REPS=3 IDLE_SECS=5 SWEEP_RUNFOR=3
fi
ONLY=${BENCH_ONLY:-"pub batch1 pubsub disk fanout latency memory sweep"}
[[ -x $NSQD && -x $BENCH ]] || {
  echo "build $NSQD and $BENCH first (cmake --build $BUILD)" >&2
  exit 1
}
if ! command -v gnuplot >/dev/null; then
  echo "installing gnuplot-nox for the plots" >&2
  apt-get install -y gnuplot-nox >/dev/null 2>&1 || echo "gnuplot unavailable: no plots" >&2
fi
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d /tmp/caf-nsqd-bench-XXXXXX)
NSQD_PID=""
cleanup() {
  stop_nsqd
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- broker ------------------------------------------------------------------

# start_nsqd <flags...>: a fresh broker; sets NSQD_PID, ADDR, DATA.
start_nsqd() {
  DATA=$(mktemp -d "$WORK/data-XXXXXX")
  start_nsqd_in "$DATA" "$@"
}

# start_nsqd_in <data dir> <flags...>: sets NSQD_PID, ADDR, START_MS (time to
# the listening line).
start_nsqd_in() {
  local dir=$1
  shift
  local t0 port=""
  t0=$(date +%s%N)
  "$NSQD" --tcp-address=127.0.0.1:0 --http-address=127.0.0.1:0 --data-path="$dir" \
    "$@" 2>"$dir/nsqd.log" &
  NSQD_PID=$!
  for _ in $(seq 1 1000); do # at most 10 s
    port=$(grep -o 'TCP: listening on 127.0.0.1:[0-9]*' "$dir/nsqd.log" 2>/dev/null |
      head -1 | sed 's/.*://') || true
    [[ -n $port ]] && break
    sleep 0.01
  done
  [[ -n $port ]] || {
    echo "caf-nsqd did not start:" >&2
    cat "$dir/nsqd.log" >&2
    exit 1
  }
  START_MS=$((($(date +%s%N) - t0) / 1000000))
  ADDR=127.0.0.1:$port
}

stop_nsqd() {
  [[ -n $NSQD_PID ]] || return 0
  kill -TERM "$NSQD_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do # at most 10 s
    kill -0 "$NSQD_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$NSQD_PID" 2>/dev/null || true
  wait "$NSQD_PID" 2>/dev/null || true
  NSQD_PID=""
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$NSQD_PID/status"; }

# CPU time of the broker in ns, summed over its threads (schedstat: clock
# ticks of /proc/<pid>/stat are 10 ms, too coarse for an idle broker).
cpu_ns() { cat /proc/"$NSQD_PID"/task/*/schedstat | awk '{s += $1} END {printf "%.0f", s}'; }

# --- caf-nsq-bench -------------------------------------------------------------

# bench <log> <args...>: runs caf-nsq-bench (bounded), its log in <log>.
bench() {
  local log=$1
  shift
  echo "+ caf-nsq-bench $*" >>"$WORK/commands.log"
  timeout 300 "$BENCH" "$@" --nsqd-tcp-address="$ADDR" --progress=false 2>"$log"
}

ops_of() { grep -o '[0-9.]*ops/s' "$1" | head -1 | sed 's/ops\/s//'; }
count_of() { grep -o 'messages: [0-9]*' "$1" | head -1 | sed 's/messages: //'; }
# pct_of <log> <p50|p99|p99.9>: microseconds.
pct_of() { grep -o " $2=[0-9.]*us" "$1" | head -1 | sed 's/.*=//; s/us//'; }

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# --- results -----------------------------------------------------------------

ROWS=()
# row <scenario> <target> <nsqd figure> <median text> <met: yes|no|-|n/a> <command>
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 |"); CMDS+=("- **$1**: \`$6\`"); }
CMDS=()

fmt_rate() { awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.2fM msg/s", v / 1e6; else printf "%.0fk msg/s", v / 1e3 }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
met_ge() { if ge "$1" "$2"; then echo yes; else echo "**no**"; fi; }
met_le() { if le "$1" "$2"; then echo yes; else echo "**no**"; fi; }
runs_text() { echo "(runs: $(printf '%s ' "$@" | sed 's/ $//'))"; }
want() { [[ " $ONLY " == *" $1 "* ]]; }

BIG_QUEUE=--mem-queue-size=100000000 # memory only: no disk queue in the way
W="writer --runfor=${RUNFOR}s"

# --- scenarios ---------------------------------------------------------------

scenario_pub() {
  echo "== publish 200 B MPUB 200, then consume them all (RDY 2500)" >&2
  local pubs=() subs=() rss=()
  for _ in $(seq "$REPS"); do
    start_nsqd $BIG_QUEUE
    bench "$WORK/w.log" $W --topic=t --size=200 --batch-size=200 || true
    pubs+=("$(ops_of "$WORK/w.log")")
    local n
    n=$(count_of "$WORK/w.log")
    rss+=("$(awk -v r="$(rss_kb)" -v n="$n" 'BEGIN {printf "%.0f", r / 1024 / n * 3100000}')")
    bench "$WORK/r.log" reader --runfor=180s --topic=t --channel=c --size=200 --rdy=2500 \
      --messages="$n" || true
    subs+=("$(ops_of "$WORK/r.log")")
    stop_nsqd
  done
  local m
  m=$(median "${pubs[@]}")
  row "publish 200 B, MPUB batches of 200, ${RUNFOR} s" "≥630k msg/s" "315k msg/s" \
    "$(fmt_rate "$m") $(runs_text "${pubs[@]}")" "$(met_ge "$m" 630000)" \
    "caf-nsqd $BIG_QUEUE; caf-nsq-bench $W --size=200 --batch-size=200"
  m=$(median "${subs[@]}")
  row "consume them all (RDY 2500, FIN each)" "≥470k msg/s" "235k msg/s" \
    "$(fmt_rate "$m") $(runs_text "${subs[@]}")" "$(met_ge "$m" 470000)" \
    "caf-nsq-bench reader --rdy=2500 --messages=<published>"
  m=$(median "${rss[@]}")
  row "RSS with 3.1M × 200 B queued (scaled from the messages queued above)" \
    "≤0.75 GB" "—" "$m MB" "$(met_le "$m" 768)" \
    "VmRSS after the publish run × 3.1M / messages published"
}

scenario_batch1() {
  echo "== publish with batch 1 (PUB), 1 and 16 connections" >&2
  for conns in 1 16; do
    local v=()
    for _ in $(seq "$REPS"); do
      start_nsqd $BIG_QUEUE
      bench "$WORK/w.log" $W --topic=t --size=200 --batch-size=1 --connections=$conns || true
      v+=("$(ops_of "$WORK/w.log")")
      stop_nsqd
    done
    local m
    m=$(median "${v[@]}")
    if [[ $conns == 1 ]]; then
      row "publish 200 B with PUB (batch 1), 1 connection" "≥25k msg/s" "11k msg/s" \
        "$(fmt_rate "$m") $(runs_text "${v[@]}")" "$(met_ge "$m" 25000)" \
        "caf-nsq-bench $W --size=200 --batch-size=1 --connections=1"
    else
      row "publish 200 B with PUB (batch 1), 16 connections" "—" "—" \
        "$(fmt_rate "$m") $(runs_text "${v[@]}")" "-" \
        "caf-nsq-bench $W --size=200 --batch-size=1 --connections=16"
    fi
  done
}

# pubsub_once <topics> <channels> <writer conns> <nsqd flags...>: runs a reader
# and a writer at the same time; sets PUB_OPS, SUB_OPS, PUB_RC.
pubsub_once() {
  local topics=$1 channels=$2 conns=$3
  shift 3
  start_nsqd "$@"
  bench "$WORK/r.log" reader --runfor=$((RUNFOR + 1))s --topic=t --channel=c \
    --topics="$topics" --channels="$channels" --connections=1 --size=200 &
  local rpid=$!
  sleep 1 # the reader has subscribed: every message has somewhere to go
  PUB_RC=0
  bench "$WORK/w.log" $W --topic=t --topics="$topics" --connections="$conns" --size=200 \
    --batch-size=200 || PUB_RC=$?
  wait "$rpid" || true
  PUB_OPS=$(ops_of "$WORK/w.log")
  SUB_OPS=$(ops_of "$WORK/r.log")
  stop_nsqd
}

# pubsub_rows <label> <topics> <channels> <writer conns> <nsqd flags...>
pubsub_rows() {
  local label=$1 topics=$2 channels=$3 conns=$4
  shift 4
  local p=() s=()
  for _ in $(seq "$REPS"); do
    pubsub_once "$topics" "$channels" "$conns" "$@"
    p+=("$PUB_OPS")
    s+=("$SUB_OPS")
  done
  local cmd="caf-nsqd $*; caf-nsq-bench reader --topics=$topics --channels=$channels --connections=1 & caf-nsq-bench $W --topics=$topics --connections=$conns --size=200 --batch-size=200"
  row "$label: published" "—" "—" "$(fmt_rate "$(median "${p[@]}")") $(runs_text "${p[@]}")" "-" "$cmd"
  row "$label: delivered (all channels)" "—" "—" \
    "$(fmt_rate "$(median "${s[@]}")") $(runs_text "${s[@]}")" "-" "$cmd"
}

scenario_pubsub() {
  echo "== publish and consume at the same time" >&2
  pubsub_rows "publish + consume, 1 topic × 1 channel" 1 1 2 $BIG_QUEUE
  pubsub_rows "publish + consume, 8 topics × 4 channels" 8 4 8 $BIG_QUEUE
}

scenario_disk() {
  echo "== through the disk queue (default --mem-queue-size)" >&2
  local v=() missing=""
  for _ in $(seq "$REPS"); do
    start_nsqd
    bench "$WORK/w.log" $W --topic=t --size=200 --batch-size=200 || true
    if grep -q "E_M\{0,1\}PUB_FAILED" "$WORK/w.log"; then
      missing=1
    else
      v+=("$(ops_of "$WORK/w.log")")
    fi
    stop_nsqd
    [[ -n $missing ]] && break
  done
  local cmd="caf-nsqd (default --mem-queue-size=10000); caf-nsq-bench $W --size=200 --batch-size=200"
  if [[ -n $missing ]]; then
    row "publish 200 B MPUB 200 through the disk queue" "≥370k msg/s" "186k msg/s" \
      "failed: E_MPUB_FAILED (a disk write failed; see the broker log)" "**no**" "$cmd"
    row "publish + consume through the disk queue" "—" "—" "not run (publishing failed)" "n/a" "$cmd"
    return
  fi
  local m
  m=$(median "${v[@]}")
  row "publish 200 B MPUB 200 through the disk queue" "≥370k msg/s" "186k msg/s" \
    "$(fmt_rate "$m") $(runs_text "${v[@]}")" "$(met_ge "$m" 370000)" "$cmd"
  pubsub_rows "publish + consume through the disk queue, 1 × 1" 1 1 2
}

scenario_fanout() {
  echo "== fan-out: 1 topic × 8 channels" >&2
  local p=() s=()
  for _ in $(seq "$REPS"); do
    pubsub_once 1 8 2 $BIG_QUEUE
    p+=("$PUB_OPS")
    s+=("$SUB_OPS")
  done
  local m
  m=$(median "${s[@]}")
  row "fan-out 1 topic × 8 channels, one consumer each: delivered" "≥1.3M msg/s" "—" \
    "$(fmt_rate "$m") $(runs_text "${s[@]}"), published $(fmt_rate "$(median "${p[@]}")")" \
    "$(met_ge "$m" 1300000)" \
    "caf-nsq-bench reader --channels=8 --connections=1 & caf-nsq-bench $W --connections=2 --batch-size=200"
}

LAT_DATA=$WORK/latency.dat
scenario_latency() {
  echo "== end-to-end latency at fixed rates" >&2
  for rate in 1000 10000; do
    for obs in default -1; do
      local p50=() p99=() p999=() extra=""
      [[ $obs == -1 ]] && extra="--output-buffer-size=-1"
      for _ in $(seq "$REPS"); do
        start_nsqd
        bench "$WORK/r.log" reader --runfor=$((RUNFOR + 1))s --topic=lat --channel=c \
          --connections=1 --size=100 $extra &
        local rpid=$!
        sleep 1
        bench "$WORK/w.log" $W --topic=lat --size=100 --batch-size=1 --connections=1 \
          --rate=$rate --timestamps || true
        wait "$rpid" || true
        p50+=("$(pct_of "$WORK/r.log" p50)")
        p99+=("$(pct_of "$WORK/r.log" p99)")
        p999+=("$(pct_of "$WORK/r.log" p99.9)")
        stop_nsqd
      done
      local m50 m99 m999 target="—" met="-" label
      m50=$(median "${p50[@]}") m99=$(median "${p99[@]}") m999=$(median "${p999[@]}")
      label="IDENTIFY default"
      [[ $obs == -1 ]] && label="output_buffer_size -1"
      if [[ $rate == 10000 && $obs == default ]]; then
        target="p99 ≤1 ms" met=$(met_le "$m99" 1000)
      elif [[ $rate == 10000 ]]; then
        target="p99 ≤0.5 ms" met=$(met_le "$m99" 500)
      fi
      row "e2e latency, $rate msg/s, 100 B, $label" "$target" "—" \
        "p50 ${m50} µs, p99 ${m99} µs, p99.9 ${m999} µs (p99 runs: ${p99[*]})" "$met" \
        "caf-nsq-bench reader --size=100 $extra & caf-nsq-bench $W --batch-size=1 --connections=1 --rate=$rate --size=100 --timestamps"
      echo "\"${rate}/s ${label}\" $m50 $m99 $m999" >>"$LAT_DATA"
    done
  done
}

# per_idle_connection_kb [idle flags...]: opens 10,000 idle connections to the
# running broker and prints the RSS they add per connection in KB ("failed"
# if they could not all connect).
per_idle_connection_kb() {
  local before ipid ok=""
  before=$(rss_kb)
  bench "$WORK/i.log" idle --connections=10000 "$@" --runfor=$((IDLE_SECS + 30))s >/dev/null &
  ipid=$!
  for _ in $(seq 1 1200); do # at most 120 s
    grep -q 'connected:' "$WORK/i.log" 2>/dev/null && ok=1 && break
    kill -0 "$ipid" 2>/dev/null || break
    sleep 0.1
  done
  sleep "$IDLE_SECS"
  if [[ -n $ok ]]; then
    awk -v a="$(rss_kb)" -v b="$before" 'BEGIN {printf "%.2f", (a - b) / 10000}'
  else
    echo failed
    cat "$WORK/i.log" >&2
  fi
  kill -TERM "$ipid" 2>/dev/null || true
  wait "$ipid" 2>/dev/null || true
}

# per_connection_row <scenario> <command> <runs...>
per_connection_row() {
  local name=$1 cmd=$2 m
  shift 2
  if [[ " $* " == *failed* ]]; then
    row "$name" "≤8 KB" "~33 KB" "failed to open 10,000 connections (see the run log)" "**no**" "$cmd"
  else
    m=$(median "$@")
    row "$name" "≤8 KB" "~33 KB" "$m KB $(runs_text "$@")" "$(met_le "$m" 8)" \
      "$cmd; (VmRSS with − without) / 10000"
  fi
}

scenario_memory() {
  echo "== memory and idle CPU" >&2
  local v=() w=() per=() per_sub=() trss=() tcpu=() restart=() restart_missing=""
  for _ in $(seq "$REPS"); do
    start_nsqd
    sleep 1
    v+=("$(awk -v r="$(rss_kb)" 'BEGIN {printf "%.1f", r / 1024}')")
    # 10,000 idle connections: IDENTIFY done; then subscribed with RDY 1.
    per+=("$(per_idle_connection_kb)")
    stop_nsqd
    start_nsqd
    sleep 1
    per_sub+=("$(per_idle_connection_kb --subscribe --topics=1 --channels=1)")
    stop_nsqd

    # 1,000,000 queued 100 B messages.
    start_nsqd --mem-queue-size=1000000
    bench "$WORK/w.log" writer --runfor=120s --topic=t --size=100 --batch-size=200 \
      --messages=1000000 || true
    w+=("$(awk -v r="$(rss_kb)" 'BEGIN {printf "%.1f", r / 1024}')")
    stop_nsqd

    # 1,000 topics × 2 channels, idle; then a restart.
    start_nsqd
    bench "$WORK/i.log" idle --subscribe --topics=1000 --channels=2 --connections=1 \
      --runfor=1s || true
    sleep 1
    local c0 c1
    c0=$(cpu_ns)
    sleep "$IDLE_SECS"
    c1=$(cpu_ns)
    trss+=("$(awk -v r="$(rss_kb)" 'BEGIN {printf "%.1f", r / 1024}')")
    tcpu+=("$(awk -v d=$((c1 - c0)) -v s="$IDLE_SECS" 'BEGIN {printf "%.2f", d / 1e9 / s * 100}')")
    local dir=$DATA
    stop_nsqd
    if [[ -f $dir/nsqd.dat ]]; then
      start_nsqd_in "$dir"
      restart+=("$START_MS")
      stop_nsqd
    else
      restart_missing=1
    fi
  done
  local m
  m=$(median "${v[@]}")
  row "idle RSS (fresh broker)" "≤10 MB" "—" "$m MB $(runs_text "${v[@]}")" \
    "$(met_le "$m" 10)" "caf-nsqd; VmRSS after 1 s"
  m=$(median "${w[@]}")
  row "RSS with 1,000,000 × 100 B queued (--mem-queue-size=1000000)" "≤150 MB" "—" \
    "$m MB $(runs_text "${w[@]}")" "$(met_le "$m" 150)" \
    "caf-nsqd --mem-queue-size=1000000; caf-nsq-bench writer --size=100 --messages=1000000"
  per_connection_row "RSS per idle connection (10,000 connections, IDENTIFY done)" \
    "caf-nsq-bench idle --connections=10000" "${per[@]}"
  per_connection_row "RSS per idle connection (10,000 connections, subscribed, RDY 1)" \
    "caf-nsq-bench idle --connections=10000 --subscribe --topics=1 --channels=1" "${per_sub[@]}"
  m=$(median "${trss[@]}")
  row "RSS with 1,000 idle topics × 2 channels" "≤50 MB" "—" "$m MB $(runs_text "${trss[@]}")" \
    "$(met_le "$m" 50)" "caf-nsq-bench idle --subscribe --topics=1000 --channels=2 --connections=1 --runfor=1s"
  m=$(median "${tcpu[@]}")
  row "CPU while idle with 1,000 topics × 2 channels" "<0.5%" "—" \
    "$m% over ${IDLE_SECS} s $(runs_text "${tcpu[@]}")" "$(met_le "$m" 0.49)" \
    "CPU time of the broker's threads (/proc/<pid>/task/*/schedstat) over ${IDLE_SECS} s"
  if [[ -n $restart_missing ]]; then
    row "restart time with 1,000 topics × 2 channels" "≤200 ms" "—" \
      "not yet available (no nsqd.dat metadata written on shutdown)" "n/a" \
      "SIGTERM, then time from exec to 'TCP: listening'"
  else
    m=$(median "${restart[@]}")
    row "restart time with 1,000 topics × 2 channels" "≤200 ms" "—" \
      "$m ms $(runs_text "${restart[@]}")" "$(met_le "$m" 200)" \
      "SIGTERM, then time from exec to 'TCP: listening'"
  fi
}

SWEEP_DATA=$WORK/sweep.dat
scenario_sweep() {
  echo "== throughput vs message size" >&2
  for size in 16 64 256 1024 4096 16384; do
    local v=()
    for _ in $(seq "$REPS"); do
      start_nsqd $BIG_QUEUE
      bench "$WORK/w.log" writer --runfor=${SWEEP_RUNFOR}s --topic=t --size=$size \
        --batch-size=200 || true
      v+=("$(ops_of "$WORK/w.log")")
      stop_nsqd
    done
    local m
    m=$(median "${v[@]}")
    echo "$size $m $(awk -v m="$m" -v s=$size 'BEGIN {print m * s / 1048576}')" >>"$SWEEP_DATA"
  done
}

# --- plots and report ----------------------------------------------------------

plot() {
  command -v gnuplot >/dev/null || return 0
  mkdir -p "$IMG_DIR"
  if [[ -s $SWEEP_DATA ]]; then
    gnuplot <<EOF
set terminal pngcairo noenhanced size 900,500
set output "$IMG_DIR/throughput-vs-size.png"
set title "caf-nsqd publish throughput vs message size (MPUB 200, median of $REPS)"
set logscale x 2
set xlabel "message size (bytes)"
set ylabel "messages/s"
set y2label "MB/s"
set y2tics
set ytics nomirror
set grid
plot "$SWEEP_DATA" using 1:2 with linespoints title "msg/s" axes x1y1, \
     "$SWEEP_DATA" using 1:3 with linespoints title "MB/s" axes x1y2
EOF
  fi
  if [[ -s $LAT_DATA ]]; then
    gnuplot <<EOF
set terminal pngcairo noenhanced size 900,500
set output "$IMG_DIR/latency-percentiles.png"
set title "caf-nsqd end-to-end latency, 100 B messages (median of $REPS)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "microseconds"
set logscale y
set grid y
set xtics rotate by -15
plot "$LAT_DATA" using 2:xtic(1) title "p50", '' using 3 title "p99", '' using 4 title "p99.9"
EOF
  fi
}

write_report() {
  local commit cpu
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
  {
    echo "# caf-nsqd performance"
    echo
    echo "Produced by \`bench/run.sh\` ($([[ ${BENCH_QUICK:-0} == 1 ]] && echo "quick mode: " || echo "")${RUNFOR} s runs,"
    echo "median of $REPS) on $(date -u +%Y-%m-%d), commit \`$commit\` plus the working tree,"
    echo "$(nproc) CPUs ($cpu), Linux $(uname -r), broker built $(grep -o 'CMAKE_BUILD_TYPE:STRING=.*' "$BUILD/CMakeCache.txt" | sed 's/.*=//')."
    echo "Loopback only; the broker and \`caf-nsq-bench\` share the same CPUs, so every figure"
    echo "includes the load generator's own cost. nsqd v1.3.0 figures are the issue's reference"
    echo "numbers, not re-measured here."
    echo
    echo "| scenario | target | nsqd v1.3.0 | caf-nsqd (median) | met? |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    if [[ -s $SWEEP_DATA ]]; then
      echo "## Throughput vs message size"
      echo
      echo "![throughput vs size](img/throughput-vs-size.png)"
      echo
      echo "| size (B) | msg/s | MB/s |"
      echo "|---|---|---|"
      awk '{printf "| %s | %.0f | %.1f |\n", $1, $2, $3}' "$SWEEP_DATA"
      echo
    fi
    if [[ -s $LAT_DATA ]]; then
      echo "## End-to-end latency"
      echo
      echo "![latency percentiles](img/latency-percentiles.png)"
      echo
    fi
    # Hand-written analysis (profiles, designs for missed targets) that a
    # re-run must not lose.
    if [[ -f $ROOT/bench/performance-notes.md ]]; then
      cat "$ROOT/bench/performance-notes.md"
      echo
    fi
    echo "## Commands"
    echo
    echo "Each scenario starts \`caf-nsqd --tcp-address=127.0.0.1:0 --data-path=<tmp>\` (plus the"
    echo "flags named) and passes \`--nsqd-tcp-address=<its address>\` to \`caf-nsq-bench\`."
    echo
    printf '%s\n' "${CMDS[@]}"
    echo
    echo "Reproduce: \`cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release &&"
    echo "cmake --build build-bench -j2 --target caf-nsqd caf-nsq-bench && bench/run.sh\`."
  } >"$OUT_MD"
  echo "wrote $OUT_MD" >&2
}

want pub && scenario_pub
want batch1 && scenario_batch1
want pubsub && scenario_pubsub
want disk && scenario_disk
want fanout && scenario_fanout
want latency && scenario_latency
want memory && scenario_memory
want sweep && scenario_sweep
plot
write_report
