#!/usr/bin/env bash
# Runs caf-nsqd's benchmark scenarios on loopback and writes the results into a
# marked section of docs/performance.md (the rest of the file is kept).
# `bench/run.sh --help` documents the flags; every wait is bounded and nothing
# listens beyond 127.0.0.1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
COMMAND_LINE=bench/run.sh
for a in "$@"; do
  if [[ $a =~ ^[A-Za-z0-9_./=,:+-]+$ ]]; then COMMAND_LINE+=" $a"; else COMMAND_LINE+=" $(printf '%q' "$a")"; fi
done

usage() {
  cat <<'EOF'
Usage: bench/run.sh [flags] [BUILD_DIR]

Runs the benchmark scenarios against caf-nsqd from BUILD_DIR (default:
build-bench, a Release build of the targets caf-nsqd and caf-nsq-bench). Every
run starts a fresh broker (temporary --data-path, free port) and reports the
median of --reps runs; every throughput row also gets the broker's CPU time per
message (user + system time of the whole broker process, exited threads
included, over the measured phase, divided by that phase's messages).

  --compare OTHER_NSQD  also run every scenario against another nsqd binary
                        (e.g. Go nsqd; it takes the same flags), alternately
                        with this build in one run, with the same load generator
                        and options; writes both figures, the ratio
                        (caf-nsqd / other) and both CPU-per-message figures
  --only LIST           scenarios or groups to run, comma-separated (default:
                        all; --list shows them)
  --reps N              runs per scenario and broker; the median is reported
                        (default 3)
  --runfor DURATION     length of the timed runs: 10s, 1m, 5 (seconds; default
                        10s); fixed-count scenarios run until their count is done
  --scaling             run every scenario at each --threads count of the
                        broker's scheduler (caf-nsqd: --scheduler-threads=N; the
                        other binary: GOMAXPROCS=N, plus --scheduler-threads=N if
                        its --help lists it)
  --threads LIST        scheduler threads for --scaling (default 1,2)
  --quick               smoke run: --reps 1 --runfor 2s, fixed counts / 10,
                        2 s idle phases
  --profile             after the measured runs, one more run of each throughput
                        scenario (per broker and thread count) under
                        `perf record -F 999 -g -p <broker>` over its measured
                        phase; the top symbols go into the section (the
                        figures never include a profiled run)
  --out FILE            the Markdown file to update (default docs/performance.md)
  --list                print the scenarios and groups, then exit
  --help                this text

The section replaced in --out is chosen by mode: results, compare, scaling or
compare-scaling; each lies between <!-- bench/run.sh SECTION: begin --> and
<!-- bench/run.sh SECTION: end --> (appended at the end if missing). It holds
the table, the exact command line and the commands of every row.

Examples:
  bench/run.sh                                      # every scenario, this build
  bench/run.sh --compare ~/go/bin/nsqd --reps 3     # side by side with Go nsqd
  bench/run.sh --scaling --only pub,pub1            # at 1 and 2 scheduler threads
  bench/run.sh --only gonsq                         # the go-nsq producer (to_nsq) row
  bench/run.sh --compare bench/floor-nsqd --only pub,pub1,pub16,gonsq
                                                    # beside a do-nothing server (the floor)
  bench/run.sh --quick --runfor 1s --out /tmp/p.md  # smoke run of every scenario
The go-nsq producer row by hand (go-nsq 1.1.0's IDENTIFY, one synchronous PUB
per message, as nsq's to_nsq): caf-nsq-bench writer --identify=go-nsq
--batch-size=1 --connections=1 --messages=100000 --nsqd-tcp-address=HOST:PORT
Measure on a quiet machine: the load generator shares the CPUs with the broker.

Old spellings still work: BENCH_QUICK=1 (--quick), BENCH_ONLY="pub latency"
(--only), BENCH_OUT=FILE (--out).
EOF
}

# --- scenarios and groups ----------------------------------------------------------

SCENARIOS="pub pub1 pub16 gonsq pubsub pubsub8x4 disk diskchannel diskpubsub fanout latency idle-rss queued-rss idle-conn idle-topics sweep cluster"
declare -A GROUPS_OF=(
  [batch1]="pub1 pub16 gonsq"
  [memory]="idle-rss queued-rss idle-conn idle-topics"
  [throughput]="pub pub1 pub16 gonsq pubsub pubsub8x4 disk diskchannel diskpubsub fanout"
  [all]="$SCENARIOS"
)
list_scenarios() {
  cat <<'EOF'
pub          MPUB 200 x 200 B, 3M messages into memory; consume them (RDY 2500); RSS with them queued
pub1         PUB (batch 1), 1 connection, 100k messages; round-trip p50/p99
pub16        PUB (batch 1), 16 connections, 400k messages; round-trip p50/p99
gonsq        a go-nsq producer (IDENTIFY as go-nsq 1.1.0, one synchronous PUB per message), 100k
pubsub       publish + consume at once, 1 topic x 1 channel (--runfor): published, delivered
pubsub8x4    publish + consume at once, 8 topics x 4 channels
disk         MPUB 200 into a disk backlog (default --mem-queue-size), 3M; drain it (RDY 2500)
diskchannel  the same into a channel created first (its own disk backlog); drain it
diskpubsub   publish + consume through the disk queue: published, delivered while publishing
fanout       1 topic x 8 channels, one consumer each: delivered
latency      end-to-end p50/p99/p99.9 at 1k and 10k msg/s, IDENTIFY default and unbuffered
idle-rss     RSS of a fresh broker
queued-rss   RSS with 1,000,000 x 100 B queued
idle-conn    RSS per idle connection (10,000 connections; IDENTIFY done, and subscribed)
idle-topics  1,000 topics x 2 channels: RSS, idle CPU, restart time
sweep        MPUB 200 throughput by message size (16 B .. 16 KiB)
cluster      3 nodes: 1M messages published on A and B consumed through C vs directly (channel made by the SUB, and made first); hop latency
groups: batch1 = pub1 pub16 gonsq; memory = idle-rss queued-rss idle-conn idle-topics;
        throughput = pub .. fanout; all
EOF
}

# --- flags -----------------------------------------------------------------------

OTHER="" ONLY="" REPS=3 RUNFOR=10 SCALING="" THREADS_LIST="1,2" QUICK="${BENCH_QUICK:-0}" PROFILE=""
PROFILING="" # set during the extra, unmeasured run that --profile adds
OUT_MD=${BENCH_OUT:-$ROOT/docs/performance.md}
BUILD=$ROOT/build-bench
[[ -n ${BENCH_ONLY:-} ]] && ONLY=${BENCH_ONLY// /,}
reps_given="" runfor_given=""

die() {
  echo "bench/run.sh: $*" >&2
  exit 2
}

# seconds_of <duration>: whole seconds of 10s, 1m, 90, 1m30s.
seconds_of() {
  local d=$1 total=0
  [[ $d =~ ^[0-9]+$ ]] && d="${d}s"
  [[ $d =~ ^([0-9]+h)?([0-9]+m)?([0-9]+s)?$ && -n $d ]] || return 1
  [[ $d =~ ([0-9]+)h ]] && total=$((total + BASH_REMATCH[1] * 3600))
  [[ $d =~ ([0-9]+)m ]] && total=$((total + BASH_REMATCH[1] * 60))
  [[ $d =~ ([0-9]+)s ]] && total=$((total + BASH_REMATCH[1]))
  ((total >= 1)) || return 1
  echo "$total"
}

while (($#)); do
  arg=$1
  value=""
  if [[ $arg == --*=* ]]; then
    value=${arg#*=}
    arg=${arg%%=*}
  elif [[ $arg =~ ^--(compare|only|reps|runfor|threads|out)$ ]]; then
    (($# >= 2)) || die "$arg needs a value"
    value=$2
    shift
  fi
  case $arg in
  --compare) OTHER=$value ;;
  --only) ONLY=$value ;;
  --reps)
    [[ $value =~ ^[1-9][0-9]*$ ]] || die "--reps: not a positive count: $value"
    REPS=$value reps_given=1
    ;;
  --runfor)
    RUNFOR=$(seconds_of "$value") || die "--runfor: not a duration of whole seconds: $value"
    runfor_given=1
    ;;
  --scaling) SCALING=1 ;;
  --threads)
    [[ $value =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--threads: not a list of counts: $value"
    THREADS_LIST=$value
    ;;
  --quick) QUICK=1 ;;
  --profile) PROFILE=1 ;;
  --out) OUT_MD=$value ;;
  --list)
    list_scenarios
    exit 0
    ;;
  --help | -h)
    usage
    exit 0
    ;;
  -*) die "unknown flag $arg (see --help)" ;;
  *) BUILD=$(cd "$arg" && pwd) ;;
  esac
  shift
done

COUNT_DIV=1 IDLE_SECS=5 SWEEP_RUNFOR=3
if [[ $QUICK == 1 ]]; then
  [[ -n $reps_given ]] || REPS=1
  [[ -n $runfor_given ]] || RUNFOR=2
  COUNT_DIV=10 IDLE_SECS=2 SWEEP_RUNFOR=1
fi

RUN=""
for item in ${ONLY//,/ }; do
  if [[ -n ${GROUPS_OF[$item]:-} ]]; then
    RUN+=" ${GROUPS_OF[$item]}"
  elif [[ " $SCENARIOS pubsub1 " == *" $item "* ]]; then
    RUN+=" ${item/pubsub1/pubsub}"
  else
    die "unknown scenario or group: $item (see --list)"
  fi
done
[[ -n $RUN ]] || RUN=$SCENARIOS
want() { [[ " $RUN " == *" $1 "* ]]; }

NSQD_OURS=$BUILD/caf-nsqd
BENCH=$BUILD/caf-nsq-bench
export CAF_NSQ_BENCH=$BENCH # bench/floor-nsqd starts this one
[[ -x $NSQD_OURS && -x $BENCH ]] || {
  echo "build $NSQD_OURS and $BENCH first (cmake --build $BUILD --target caf-nsqd caf-nsq-bench)" >&2
  exit 1
}
WHO_LIST="ours"
if [[ -n $OTHER ]]; then
  [[ -x $OTHER ]] || die "--compare: not an executable: $OTHER"
  OTHER=$(cd "$(dirname "$OTHER")" && pwd)/$(basename "$OTHER")
  WHO_LIST="ours other"
  OTHER_VERSION=$("$OTHER" --version 2>&1 || true)
  OTHER_VERSION=${OTHER_VERSION%%$'\n'*}
  OTHER_VERSION=${OTHER_VERSION:-$(basename "$OTHER")}
  other_help=$("$OTHER" --help 2>&1 || true)
  OTHER_TAKES_THREADS=""
  [[ $other_help == *-scheduler-threads* ]] && OTHER_TAKES_THREADS=1
fi
if [[ -n $PROFILE ]] && ! command -v perf >/dev/null; then
  die "--profile needs perf (apt-get install linux-perf)"
fi
THREAD_COUNTS="default"
[[ -n $SCALING ]] && THREAD_COUNTS=${THREADS_LIST//,/ }
SECTION=results
[[ -n $OTHER ]] && SECTION=compare
if [[ -n $SCALING ]]; then
  if [[ -n $OTHER ]]; then SECTION=compare-scaling; else SECTION=scaling; fi
fi
want_plots=""
[[ $SECTION == results ]] && want_plots=1
if [[ -n $want_plots ]] && ! command -v gnuplot >/dev/null; then
  echo "gnuplot not found: no plots (apt-get install gnuplot-nox)" >&2
fi
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d /tmp/caf-nsqd-bench-XXXXXX)
NSQD_PID=""
cleanup() {
  stop_nsqd
  if declare -F cluster_stop >/dev/null; then cluster_stop; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Fixed message counts (issue 11's second table).
PUB_N=$((3000000 / COUNT_DIV))
PUB1_N=$((100000 / COUNT_DIV))
PUB16_N=$((400000 / COUNT_DIV))
GONSQ_N=$((100000 / COUNT_DIV))
DISK_N=$((3000000 / COUNT_DIV))
CLUSTER_N=$((1000000 / COUNT_DIV))
QUEUED_N=1000000 # not scaled by --quick: RSS does not scale down (the idle base)
BIG_QUEUE=--mem-queue-size=100000000 # memory only: no disk queue in the way
# At most this % of all CPUs idle over a run counts as "the 2 cores are
# saturated" (issue 11); the environment may set it (tests/bench/check_run_sh.sh).
SATURATED_IDLE=${SATURATED_IDLE:-5}
W="writer --runfor=${RUNFOR}s"
FIXED="--runfor=600s" # a bound for fixed-count runs, not their length

# --- broker ------------------------------------------------------------------------

# WHO (ours|other) and THREADS (default|N) select the broker start_nsqd starts.
WHO=ours THREADS=default

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
  local bin=$NSQD_OURS t0 port="" env=()
  local extra=()
  [[ $WHO == other ]] && bin=$OTHER
  if [[ $THREADS != default ]]; then
    if [[ $WHO == ours || -n $OTHER_TAKES_THREADS ]]; then
      extra+=("--scheduler-threads=$THREADS")
    fi
    env=("GOMAXPROCS=$THREADS")
  fi
  t0=$(date +%s%N)
  env "${env[@]}" "$bin" --tcp-address=127.0.0.1:0 --http-address=127.0.0.1:0 \
    --data-path="$dir" "${extra[@]}" "$@" 2>"$dir/nsqd.log" &
  NSQD_PID=$!
  for _ in $(seq 1 1000); do # at most 10 s
    port=$(grep -o 'TCP: listening on 127.0.0.1:[0-9]*' "$dir/nsqd.log" 2>/dev/null |
      head -1 | sed 's/.*://') || true
    [[ -n $port ]] && break
    sleep 0.01
  done
  [[ -n $port ]] || {
    echo "$bin did not start:" >&2
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

# cpu_ns: CPU time (user + system) of the whole broker process in ns, exited
# threads included. Read from the process's CPU-time clock, the clock
# glibc's clock_getcpuclockid(pid) names: ((~pid) << 3) | 2 (CPUCLOCK_SCHED of
# the process). Why not the alternatives: /proc/<pid>/stat fields 14+15 give the
# same total (live threads plus the ones that exited) but in clock ticks of
# 10 ms, too coarse for an idle broker; /proc/<pid>/task/*/schedstat is exact
# but loses every thread that exited before the second reading.
# Without python3: stat's ticks (USER_HZ 100), exited threads still included.
cpu_ns() {
  if [[ -n $HAVE_PYTHON3 ]]; then
    python3 -c 'import sys, time; print(time.clock_gettime_ns(((~int(sys.argv[1])) << 3) | 2))' \
      "$NSQD_PID"
  else
    awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1e9 / hz}' "/proc/$NSQD_PID/stat"
  fi
}
HAVE_PYTHON3=""
if command -v python3 >/dev/null; then HAVE_PYTHON3=1; else echo "no python3: broker CPU in 10 ms ticks" >&2; fi

# --- caf-nsq-bench -------------------------------------------------------------------

# bench <log> <args...>: runs caf-nsq-bench (bounded), its log in <log>.
bench() {
  local log=$1
  shift
  echo "+ caf-nsq-bench $*" >>"$WORK/commands.log"
  timeout 900 "$BENCH" "$@" --nsqd-tcp-address="$ADDR" --progress=false 2>"$log"
}

ops_of() { grep -o '[0-9.]*ops/s' "$1" | head -1 | sed 's/ops\/s//'; }
count_of() { grep -o 'messages: [0-9]*' "$1" | head -1 | sed 's/messages: //'; }
# pct_of <log> <p50|p99|p99.9>: microseconds of the first percentile line.
pct_of() { grep -o " $2=[0-9.]*us" "$1" | head -1 | sed 's/.*=//; s/us//'; }
# rtt_of <log> <p50|p99>: the writer's publish round trip in µs.
rtt_of() { grep 'publish round-trip' "$1" | grep -o " $2=[0-9.]*us" | sed 's/.*=//; s/us//'; }

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# --- measurements ----------------------------------------------------------------------

declare -A VALS # "<threads>|<key>|<who>" -> "v1 v2 ..."
FAILS=()
put() { if [[ -n $2 && -z $PROFILING ]]; then VALS["$THREADS|$1|$WHO"]+="$2 "; fi; }
# failed <what> <log>: notes a failed run (its figures are left out).
failed() {
  FAILS+=("$WHO ($(label_of "$WHO")), threads $THREADS: $1: $(grep -m1 -i 'error' "$2" 2>/dev/null || echo "exit status non-zero")")
  echo "  failed: $1" >&2
}
label_of() { if [[ $1 == ours ]]; then echo "caf-nsqd"; else echo "$OTHER_VERSION"; fi; }

# per_msg <ns> <messages>: ns per message.
per_msg() { awk -v c="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", c / n }'; }

# phase_begin / phase_end <key>: the measured phase of a run; phase_end sets
# PHASE_NS, the broker's CPU time over it. A --profile run records a perf
# profile of the broker over the phase instead.
phase_begin() {
  if [[ -n $PROFILING ]]; then profile_begin; fi
  PHASE_C0=$(cpu_ns)
  PHASE_STAT0=$(head -1 /proc/stat)
}
# phase_end also sets PHASE_IDLE: the share of all CPUs' time (every process)
# spent idle or waiting for I/O over the phase, in percent: near 0 when the
# broker and the load generator saturate the cores.
phase_end() {
  PHASE_NS=$(($(cpu_ns) - PHASE_C0))
  PHASE_IDLE=$(printf '%s\n%s\n' "$PHASE_STAT0" "$(head -1 /proc/stat)" | awk '
    { t = 0; for (i = 2; i <= 9 && i <= NF; i++) t += $i; idle = $5 + $6 } # guest time is in user
    NR == 1 { t0 = t; i0 = idle }
    NR == 2 { if (t > t0) printf "%.1f", 100 * (idle - i0) / (t - t0); else print 0 }')
  if [[ -n $PROFILING ]]; then profile_end "$1"; fi
}

profile_begin() {
  perf record -F 999 -g -p "$NSQD_PID" -o "$WORK/perf.data" >/dev/null 2>"$WORK/perf.log" &
  PERF_PID=$!
  sleep 0.5 # perf attaches to every thread before the phase starts
}

# profile_end <key>: stops perf; its top symbols go to $WORK/profiles/.
profile_end() {
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  mkdir -p "$WORK/profiles"
  {
    echo "by thread:"
    perf_top pid 8
    echo "by symbol:"
    perf_top dso,symbol 15
  } >"$WORK/profiles/$THREADS|$1|$WHO"
}

# perf_top <sort keys> <lines>: the largest entries of the recorded profile.
perf_top() {
  perf report -i "$WORK/perf.data" --stdio --no-children -g none --sort "$1" \
    --percent-limit 1.5 2>/dev/null |
    awk '/%/ && !/^#/ {$1 = $1; sub(/( -)+$/, ""); print substr($0, 1, 140)}' | head -"$2" || true
}

# measured_writer <key> <args...>: one writer run over a measured phase;
# records <key> (msg/s) and <key>.cpu (ns/msg). Sets N (messages).
measured_writer() {
  local key=$1
  shift
  N=0
  phase_begin
  if bench "$WORK/w.log" "$@"; then
    phase_end "$key"
    N=$(count_of "$WORK/w.log")
    put "$key" "$(ops_of "$WORK/w.log")"
    put "$key.cpu" "$(per_msg "$PHASE_NS" "$N")"
  else
    phase_end "$key"
    failed "$key" "$WORK/w.log"
  fi
}

# measured_reader <key> <messages> <args...>: as measured_writer, for a reader
# that consumes exactly <messages>.
measured_reader() {
  local key=$1 n=$2
  shift 2
  phase_begin
  if bench "$WORK/r.log" reader "$FIXED" --messages="$n" "$@"; then
    phase_end "$key"
    put "$key" "$(ops_of "$WORK/r.log")"
    put "$key.cpu" "$(per_msg "$PHASE_NS" "$(count_of "$WORK/r.log")")"
  else
    phase_end "$key"
    failed "$key" "$WORK/r.log"
  fi
}

sc_pub() {
  start_nsqd $BIG_QUEUE
  measured_writer pub writer "$FIXED" --messages=$PUB_N --topic=t --size=200 --batch-size=200
  if ((N > 0)); then
    put pub.rss "$(awk -v r="$(rss_kb)" 'BEGIN {printf "%.0f", r / 1024}')"
    measured_reader consume "$N" --topic=t --channel=c --size=200 --rdy=2500
  fi
  stop_nsqd
}

# pub_batch1 <key> <connections> <messages> [writer flags...]
pub_batch1() {
  local key=$1 conns=$2 n=$3
  shift 3
  start_nsqd $BIG_QUEUE
  measured_writer "$key" writer "$FIXED" --messages="$n" --topic=t --size=200 \
    --batch-size=1 --connections="$conns" "$@"
  if ((N > 0)); then
    put "$key.p50" "$(rtt_of "$WORK/w.log" p50)"
    put "$key.p99" "$(rtt_of "$WORK/w.log" p99)"
  fi
  stop_nsqd
}
sc_pub1() { pub_batch1 pub1 1 $PUB1_N; }
sc_pub16() { pub_batch1 pub16 16 $PUB16_N; }
sc_gonsq() { pub_batch1 gonsq 1 $GONSQ_N --identify=go-nsq; }

# pubsub_once <key> <topics> <channels> <writer conns> <nsqd flags...>: a reader
# and a writer at the same time; records <key>.pub and <key>.sub with the
# CPU of the whole phase per published and per delivered message.
pubsub_once() {
  local key=$1 topics=$2 channels=$3 conns=$4 rpid ok=1
  shift 4
  start_nsqd "$@"
  bench "$WORK/r.log" reader --runfor=$((RUNFOR + 1))s --topic=t --channel=c \
    --topics="$topics" --channels="$channels" --connections=1 --size=200 &
  rpid=$!
  sleep 1 # the reader has subscribed: every message has somewhere to go
  phase_begin
  bench "$WORK/w.log" $W --topic=t --topics="$topics" --connections="$conns" --size=200 \
    --batch-size=200 || ok=""
  wait "$rpid" || ok=""
  phase_end "$key"
  if [[ -n $ok ]]; then
    put "$key.pub" "$(ops_of "$WORK/w.log")"
    put "$key.pub.cpu" "$(per_msg "$PHASE_NS" "$(count_of "$WORK/w.log")")"
    put "$key.sub" "$(ops_of "$WORK/r.log")"
    put "$key.sub.cpu" "$(per_msg "$PHASE_NS" "$(count_of "$WORK/r.log")")"
    put "$key.idle" "$PHASE_IDLE"
  else
    cat "$WORK/w.log" "$WORK/r.log" >"$WORK/wr.log"
    failed "$key" "$WORK/wr.log"
  fi
  stop_nsqd
}
sc_pubsub() { pubsub_once pubsub 1 1 2 $BIG_QUEUE; }
sc_pubsub8x4() { pubsub_once pubsub8x4 8 4 8 $BIG_QUEUE; }
sc_diskpubsub() { pubsub_once diskpubsub 1 1 2; }
sc_fanout() { pubsub_once fanout 1 8 2 $BIG_QUEUE; }

sc_disk() {
  start_nsqd # default --mem-queue-size: all but 10,000 go to disk
  measured_writer disk writer "$FIXED" --messages=$DISK_N --topic=t --size=200 --batch-size=200
  if ((N > 0)); then
    measured_reader drain "$N" --topic=t --channel=c --size=200 --rdy=2500
  fi
  stop_nsqd
}

# http_post <path>: a POST to the running broker's HTTP port (from its log),
# through bash's /dev/tcp (no curl on a bare machine); true on a 200.
http_post() {
  local port status
  port=$(grep -o 'HTTP: listening on 127.0.0.1:[0-9]*' "$DATA/nsqd.log" | head -1 |
    sed 's/.*://')
  [[ -n $port ]] || return 1
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'POST %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n' "$1" >&3
  read -r -t 5 status <&3 || status=""
  exec 3<&- 3>&-
  [[ $status == "HTTP/1."?" 200"* ]]
}

# The disk scenario's backlog is the topic's (no channel exists while it
# fills); a consumer that went away leaves one in its channel's queue.
sc_diskchannel() {
  start_nsqd
  if http_post "/topic/create?topic=t" && http_post "/channel/create?topic=t&channel=c"; then
    measured_writer diskch.fill writer "$FIXED" --messages=$DISK_N --topic=t --size=200 \
      --batch-size=200
    if ((N > 0)); then
      measured_reader diskch.drain "$N" --topic=t --channel=c --size=200 --rdy=2500
    fi
  else
    failed "diskchannel: creating the channel" "$DATA/nsqd.log"
  fi
  stop_nsqd
}

LAT_RATES="1000 10000"
sc_latency() {
  local rate obs extra rpid
  for rate in $LAT_RATES; do
    for obs in default unbuffered; do
      extra=""
      [[ $obs == unbuffered ]] && extra="--output-buffer-size=-1"
      start_nsqd
      bench "$WORK/r.log" reader --runfor=$((RUNFOR + 1))s --topic=lat --channel=c \
        --connections=1 --size=100 $extra &
      rpid=$!
      sleep 1
      bench "$WORK/w.log" $W --topic=lat --size=100 --batch-size=1 --connections=1 \
        --rate=$rate --timestamps || true
      if wait "$rpid" && [[ -n $(pct_of "$WORK/r.log" p99) ]]; then
        put "lat.$rate.$obs.p50" "$(pct_of "$WORK/r.log" p50)"
        put "lat.$rate.$obs.p99" "$(pct_of "$WORK/r.log" p99)"
        put "lat.$rate.$obs.p999" "$(pct_of "$WORK/r.log" p99.9)"
      else
        failed "latency $rate/s $obs" "$WORK/r.log"
      fi
      stop_nsqd
    done
  done
}

sc_idle_rss() {
  start_nsqd
  sleep 1
  put idle.rss "$(awk -v r="$(rss_kb)" 'BEGIN {printf "%.1f", r / 1024}')"
  stop_nsqd
}

sc_queued_rss() {
  start_nsqd --mem-queue-size=$QUEUED_N
  if bench "$WORK/w.log" writer --runfor=120s --topic=t --size=100 --batch-size=200 \
    --messages=$QUEUED_N; then
    put queued.rss "$(awk -v r="$(rss_kb)" 'BEGIN {printf "%.1f", r / 1024}')"
  else
    failed "queued RSS" "$WORK/w.log"
  fi
  stop_nsqd
}

# per_idle_connection <key> [idle flags...]: opens 10,000 idle connections to a
# fresh broker and records the RSS they add per connection in KB.
per_idle_connection() {
  local key=$1 before ipid ok=""
  shift
  start_nsqd
  sleep 1
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
    put "$key" "$(awk -v a="$(rss_kb)" -v b="$before" 'BEGIN {printf "%.2f", (a - b) / 10000}')"
  else
    failed "$key (10,000 connections)" "$WORK/i.log"
  fi
  kill -TERM "$ipid" 2>/dev/null || true
  wait "$ipid" 2>/dev/null || true
  stop_nsqd
}
sc_idle_conn() {
  per_idle_connection conn.identified
  per_idle_connection conn.subscribed --subscribe --topics=1 --channels=1
}

sc_idle_topics() {
  local c0 c1 dir
  start_nsqd
  if ! bench "$WORK/i.log" idle --subscribe --topics=1000 --channels=2 --connections=1 \
    --runfor=1s; then
    failed "1,000 topics x 2 channels" "$WORK/i.log"
    stop_nsqd
    return
  fi
  sleep 1
  c0=$(cpu_ns)
  sleep "$IDLE_SECS"
  c1=$(cpu_ns)
  put topics.rss "$(awk -v r="$(rss_kb)" 'BEGIN {printf "%.1f", r / 1024}')"
  put topics.cpu "$(awk -v d=$((c1 - c0)) -v s="$IDLE_SECS" 'BEGIN {printf "%.2f", d / 1e9 / s * 100}')"
  dir=$DATA
  stop_nsqd
  if [[ -f $dir/nsqd.dat ]]; then
    start_nsqd_in "$dir"
    put topics.restart "$START_MS"
    stop_nsqd
  else
    FAILS+=("$WHO, threads $THREADS: no nsqd.dat written on shutdown: no restart time")
  fi
}

SWEEP_SIZES="16 64 256 1024 4096 16384"
sc_sweep() {
  local size
  for size in $SWEEP_SIZES; do
    start_nsqd $BIG_QUEUE
    if bench "$WORK/w.log" writer --runfor=${SWEEP_RUNFOR}s --topic=t --size=$size \
      --batch-size=200; then
      put "sweep.$size" "$(ops_of "$WORK/w.log")"
    else
      failed "sweep $size B" "$WORK/w.log"
    fi
    stop_nsqd
  done
}

# shellcheck source=bench/cluster_scenario.sh
source "$ROOT/bench/cluster_scenario.sh"

# --- rows ------------------------------------------------------------------------------

# Every row: key, kind, label, Go nsqd 1.3 figure of issue 11 (same machine
# kind, side by side), issue 11's target for caf-nsqd, the command.
# Kinds: rate (msg/s, higher is better; CPU/msg from <key>.cpu), and, lower is
# better: us, ms, mb, kb, pct. Targets: ">=N", "<=N", and for rates
# ">=N,<=CPU_NS" (msg/s and broker CPU per message).
ROW_DEFS=()
US=$'\x1f' # field separator of ROW_DEFS (a tab would merge empty fields)
def() { ROW_DEFS+=("$1$US$2$US$3$US$4$US$5$US$6$US$7"); }
# pscmd <topics> <channels> <writer connections>: a publish + consume run.
pscmd() { echo "caf-nsq-bench reader --topics=$1 --channels=$2 --connections=1 & (1 s later) caf-nsq-bench $W --topics=$1 --connections=$3 --size=200 --batch-size=200"; }
# def_round_trip <scenario>: the PUB → OK p50 and p99 rows of a writer run.
def_round_trip() {
  def "$1" "$1.p50" us "… round trip p50 (PUB → OK)" "—" "" "the writer's publish round-trip line"
  def "$1" "$1.p99" us "… round trip p99" "—" "" "the writer's publish round-trip line"
}
# def <scenario> <key> <kind> <label> <Go figure> <target> <command>
define_rows() {
  local k=$((PUB_N / 1000))k
  local wf="caf-nsq-bench writer --messages=$PUB_N --size=200 --batch-size=200"
  def pub pub rate "publish 200 B, MPUB 200, $k messages (memory)" "2.27M, 533 ns" ">=4540000,<=265" \
    "caf-nsqd $BIG_QUEUE; $wf"
  def pub consume rate "consume them (RDY 2500, FIN each)" "874k, 1,813 ns" ">=1748000,<=906" \
    "caf-nsq-bench reader --rdy=2500 --messages=<published>"
  local rss_target="<=$((768 * PUB_N / 3100000))" # issue 4: 3.1M messages in 0.75 GB
  ((COUNT_DIV == 1)) || rss_target="" # the idle base does not scale down
  def pub pub.rss mb "RSS with the $k × 200 B queued" "—" "$rss_target" \
    "VmRSS after the publish run"
  local pubcmd="caf-nsqd $BIG_QUEUE; caf-nsq-bench writer --size=200 --batch-size=1"
  def pub1 pub1 rate "PUB batch 1, 1 connection, $((PUB1_N / 1000))k × 200 B" "17.7k, 31.5 µs" \
    ">=40000,<=15000" "$pubcmd --connections=1 --messages=$PUB1_N"
  def_round_trip pub1
  def pub16 pub16 rate "PUB batch 1, 16 connections, $((PUB16_N / 1000))k × 200 B" "115k, 9.1 µs" \
    ">=230000,<=4500" "$pubcmd --connections=16 --messages=$PUB16_N"
  def_round_trip pub16
  def gonsq gonsq rate "go-nsq producer (to_nsq): IDENTIFY as go-nsq 1.1.0, one synchronous PUB each, 1 connection, $((GONSQ_N / 1000))k × 200 B" \
    "15.2k, 40 µs" ">=30000,<=20000" "$pubcmd --connections=1 --messages=$GONSQ_N --identify=go-nsq"
  def_round_trip gonsq
  # Issue 11: ≥ 3.0M published "or, where the 2 cores are saturated, the
  # CPU-per-message target": a message published and consumed at ≤ the MPUB
  # and consume rows' targets together (265 + 906 ns, ½ of Go's 533 + 1,813),
  # the run's CPU over the fewer of published and delivered.
  def pubsub pubsub.pub rate "publish + consume 1 × 1: published" "1.52M" \
    ">=3000000,sat<=$SATURATED_IDLE:1171" "caf-nsqd $BIG_QUEUE; $(pscmd 1 1 2)"
  def pubsub pubsub.sub rate "publish + consume 1 × 1: delivered" "545k" ">=1090000" "the same run"
  def pubsub pubsub.idle pct "… all CPUs idle during that run (every process)" "—" "" \
    "the cpu line of /proc/stat: (idle + iowait) / all, over the run"
  def pubsub8x4 pubsub8x4.pub rate "publish + consume 8 topics × 4 channels: published" "324k" ">=648000" \
    "caf-nsqd $BIG_QUEUE; $(pscmd 8 4 8)"
  def pubsub8x4 pubsub8x4.sub rate "… delivered (all channels)" "880k" ">=1760000" "the same run"
  def disk disk rate "MPUB 200 into a disk backlog (default --mem-queue-size), $((DISK_N / 1000))k × 200 B" \
    "384k, 2,690 ns" ">=768000,<=1345" "caf-nsqd; caf-nsq-bench writer --messages=$DISK_N --size=200 --batch-size=200"
  def disk drain rate "drain that backlog (RDY 2500)" "666k, 2,180 ns" ">=1332000,<=1090" \
    "caf-nsq-bench reader --rdy=2500 --messages=<published>"
  def diskchannel diskch.fill rate "MPUB 200 into a channel's disk backlog (channel created first), $((DISK_N / 1000))k × 200 B" \
    "—" "" "caf-nsqd; POST /topic/create, /channel/create; caf-nsq-bench writer --messages=$DISK_N --size=200 --batch-size=200"
  def diskchannel diskch.drain rate "drain the channel's backlog (RDY 2500)" "—" ">=1332000,<=1090" \
    "caf-nsq-bench reader --rdy=2500 --messages=<published>"
  def diskpubsub diskpubsub.pub rate "publish + consume through the disk queue: published" "695k" ">=1390000" \
    "caf-nsqd; $(pscmd 1 1 2)"
  def diskpubsub diskpubsub.sub rate "… delivered while publishing continues" "437k" ">=900000" "the same run"
  def fanout fanout.sub rate "fan-out 1 topic × 8 channels, one consumer each: delivered" "733k" ">=1466000" \
    "caf-nsqd $BIG_QUEUE; $(pscmd 1 8 2)"
  def fanout fanout.pub rate "… published" "—" "" "the same run"
  local rate obs go target
  for rate in $LAT_RATES; do
    for obs in default unbuffered; do
      go="—" target=""
      [[ $rate == 10000 && $obs == default ]] && go="12.3 ms" target="<=1000"
      [[ $rate == 10000 && $obs == unbuffered ]] && go="165 µs" target="<=500"
      local extra="" what="IDENTIFY defaults"
      [[ $obs == unbuffered ]] && extra=" --output-buffer-size=-1" what="output_buffer_size -1"
      def latency "lat.$rate.$obs.p50" us "e2e latency p50, $rate msg/s, 100 B, $what" "—" "" \
        "caf-nsq-bench reader --size=100$extra & caf-nsq-bench $W --batch-size=1 --connections=1 --rate=$rate --size=100 --timestamps"
      def latency "lat.$rate.$obs.p99" us "… p99" "$go" "$target" "the same run"
      def latency "lat.$rate.$obs.p999" us "… p99.9" "—" "" "the same run"
    done
  done
  def idle-rss idle.rss mb "idle RSS (fresh broker, after 1 s)" "7.6 MB" "<=7.6" "VmRSS"
  def queued-rss queued.rss mb "RSS with 1,000,000 × 100 B queued" "247 MB" "<=150" \
    "caf-nsqd --mem-queue-size=$QUEUED_N; caf-nsq-bench writer --size=100 --batch-size=200 --messages=$QUEUED_N"
  def idle-conn conn.identified kb "RSS per idle connection (10,000, IDENTIFY done)" "31 KB" "<=8" \
    "caf-nsq-bench idle --connections=10000; (VmRSS with − without) / 10000"
  def idle-conn conn.subscribed kb "RSS per idle connection (10,000, subscribed, RDY 1)" "—" "<=8" \
    "caf-nsq-bench idle --connections=10000 --subscribe --topics=1 --channels=1"
  def idle-topics topics.rss mb "RSS with 1,000 idle topics × 2 channels" "409 MB" "<=50" \
    "caf-nsq-bench idle --subscribe --topics=1000 --channels=2 --connections=1 --runfor=1s"
  def idle-topics topics.cpu pct "idle CPU with 1,000 topics × 2 channels (over $IDLE_SECS s)" "1.9 %" "<=0.5" \
    "broker CPU time over $IDLE_SECS s"
  def idle-topics topics.restart ms "restart with 1,000 topics × 2 channels" "186 ms" "<=200" \
    "SIGTERM, then exec → 'TCP: listening'"
  define_cluster_rows
  local size
  for size in $SWEEP_SIZES; do
    def sweep "sweep.$size" rate "MPUB 200 of $size B, ${SWEEP_RUNFOR} s" "—" "" \
      "caf-nsqd $BIG_QUEUE; caf-nsq-bench writer --runfor=${SWEEP_RUNFOR}s --size=$size --batch-size=200"
  done
}

# --- formatting ------------------------------------------------------------------------

fmt_rate() {
  awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.2fM", v / 1e6; else if (v >= 1e4) printf "%.0fk", v / 1e3; else printf "%.1fk", v / 1e3 }'
}
# fmt_cpu <ns per message>
fmt_cpu() {
  awk -v v="$1" 'BEGIN { if (v >= 10000) printf "%.1f µs", v / 1000; else printf "%.0f ns", v }'
}
# fmt_value <kind> <value>
fmt_value() {
  case $1 in
  rate) echo "$(fmt_rate "$2") msg/s" ;;
  us) awk -v v="$2" 'BEGIN { if (v >= 1000) printf "%.2f ms", v / 1000; else printf "%.1f µs", v }' ;;
  ms) echo "$2 ms" ;;
  mb) echo "$2 MB" ;;
  kb) echo "$2 KB" ;;
  pct) echo "$2 %" ;;
  esac
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "—" }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# vals <threads> <key> <who>: the recorded runs (may be empty).
vals() { echo "${VALS["$1|$2|$3"]:-}"; }
med() {
  local v
  v=$(vals "$@")
  if [[ -n $v ]]; then median $v; fi
}

# met <kind> <target> <value> <cpu> [<idle %> <CPU/delivered>]: yes / **no** /
# -. A target part "sat<=I:C" is an alternative: a row that misses the rest is
# met when the CPUs were at most I % idle over its run and its CPU per message
# (per delivered message where that is more) is at most C ns.
met() {
  local kind=$1 target=$2 v=$3 cpu=$4 idle=${5:-} per_delivered=${6:-} ok=yes part sat=""
  [[ -n $target && -n $v ]] || {
    echo "-"
    return
  }
  for part in ${target//,/ }; do
    case $part in
    "sat<="*) sat=${part#sat<=} ;;
    ">="*) ge "$v" "${part#>=}" || ok="**no**" ;;
    "<="*)
      if [[ $kind == rate ]]; then
        [[ -n $cpu ]] && { le "$cpu" "${part#<=}" || ok="**no**"; }
      else
        le "$v" "${part#<=}" || ok="**no**"
      fi
      ;;
    esac
  done
  [[ -n $per_delivered && -n $cpu ]] && ge "$per_delivered" "$cpu" && cpu=$per_delivered
  if [[ $ok != yes && -n $sat && -n $idle && -n $cpu ]] && le "$idle" "${sat%%:*}" &&
    le "$cpu" "${sat#*:}"; then
    ok="yes (CPUs saturated, $(fmt_cpu "$cpu")/msg)"
  fi
  echo "$ok"
}

# target_text <kind> <target>
target_text() {
  local kind=$1 target=$2 out="" part
  [[ -n $target ]] || {
    echo "—"
    return
  }
  for part in ${target//,/ }; do
    [[ -n $out ]] && out+=", "
    case $part in
    ">="*) out+="≥ $(fmt_value "$kind" "${part#>=}")" ;;
    "<="*) if [[ $kind == rate ]]; then out+="≤ $(fmt_cpu "${part#<=}")/msg"; else out+="≤ $(fmt_value "$kind" "${part#<=}")"; fi ;;
    "sat<="*)
      part=${part#sat<=}
      out+="or, CPUs ≤ ${part%%:*} % idle, ≤ $(fmt_cpu "${part#*:}")/msg"
      ;;
    esac
  done
  echo "$out"
}

# cell <threads> <key> <kind> <who>: "figure, CPU/msg (runs: …)" or "—".
cell() {
  local t=$1 key=$2 kind=$3 who=$4 m c text
  m=$(med "$t" "$key" "$who")
  [[ -n $m ]] || {
    echo "— (no run)"
    return
  }
  text=$(fmt_value "$kind" "$m")
  c=$(med "$t" "$key.cpu" "$who")
  [[ $kind == rate && -n $c ]] && text+=", $(fmt_cpu "$c")/msg"
  if ((REPS > 1)); then
    text+=" (runs: $(vals "$t" "$key" "$who" | sed 's/ $//'))"
  fi
  echo "$text"
}

threads_label() { if [[ $1 == default ]]; then echo ""; else echo " [$1 thr]"; fi; }

table() {
  local def scen key kind label go target cmd t m c om oc
  if [[ -z $OTHER ]]; then
    echo "| scenario | target (issue 11) | Go nsqd 1.3 (issue 11) | caf-nsqd: median, broker CPU/msg | met? |"
    echo "|---|---|---|---|---|"
  else
    echo "| scenario | other: median, broker CPU/msg | caf-nsqd: median, broker CPU/msg | ratio caf/other | CPU ratio caf/other | ≥ 2× (≤ ½ CPU)? |"
    echo "|---|---|---|---|---|---|"
  fi
  for def in "${ROW_DEFS[@]}"; do
    IFS=$US read -r scen key kind label go target cmd <<<"$def"
    want "$scen" || continue
    for t in $THREAD_COUNTS; do
      m=$(med "$t" "$key" ours)
      c=$(med "$t" "$key.cpu" ours)
      if [[ -z $OTHER ]]; then
        echo "| $label$(threads_label "$t") | $(target_text "$kind" "$target") | $go | $(cell "$t" "$key" "$kind" ours) | $(met "$kind" "$target" "$m" "$c" "$(med "$t" "${key%.*}.idle" ours)" "$(med "$t" "${key%.*}.sub.cpu" ours)") |"
      else
        om=$(med "$t" "$key" other)
        oc=$(med "$t" "$key.cpu" other)
        local r="—" cr="—" verdict="-"
        if [[ -n $m && -n $om ]]; then
          r=$(ratio "$m" "$om")
          [[ $kind != rate ]] && r+=" (lower is better)"
        fi
        [[ -n $c && -n $oc ]] && cr=$(ratio "$c" "$oc")
        if [[ $kind == rate && -n $m && -n $om ]]; then
          verdict=yes
          ge "$m" "$(awk -v o="$om" 'BEGIN {print 2 * o}')" || verdict="**no**"
          if [[ -n $c && -n $oc ]]; then
            le "$c" "$(awk -v o="$oc" 'BEGIN {print o / 2}')" || verdict="**no**"
          fi
        fi
        echo "| $label$(threads_label "$t") | $(cell "$t" "$key" "$kind" other) | $(cell "$t" "$key" "$kind" ours) | $r | $cr | $verdict |"
      fi
    done
  done
}

commands() {
  local def scen key kind label go target cmd
  for def in "${ROW_DEFS[@]}"; do
    IFS=$US read -r scen key kind label go target cmd <<<"$def"
    want "$scen" || continue
    [[ $cmd == "the "* ]] && continue # a figure of the row above
    echo "- **$label**: \`$cmd\`"
  done
}

# --- plots -------------------------------------------------------------------------------

plot() {
  command -v gnuplot >/dev/null || return 0
  local img size m rate obs
  img=$(dirname "$OUT_MD")/img # beside the Markdown file that links them
  : >"$WORK/sweep.dat"
  for size in $SWEEP_SIZES; do
    m=$(med default "sweep.$size" ours)
    [[ -n $m ]] && echo "$size $m $(awk -v m="$m" -v s="$size" 'BEGIN {print m * s / 1048576}')" >>"$WORK/sweep.dat"
  done
  if [[ -s $WORK/sweep.dat ]]; then
    mkdir -p "$img"
    gnuplot <<EOF
set terminal pngcairo noenhanced size 900,500
set output "$img/throughput-vs-size.png"
set title "caf-nsqd publish throughput vs message size (MPUB 200, median of $REPS)"
set logscale x 2
set xlabel "message size (bytes)"
set ylabel "messages/s"
set y2label "MB/s"
set y2tics
set ytics nomirror
set grid
plot "$WORK/sweep.dat" using 1:2 with linespoints title "msg/s" axes x1y1, \
     "$WORK/sweep.dat" using 1:3 with linespoints title "MB/s" axes x1y2
EOF
  fi
  : >"$WORK/latency.dat"
  for rate in $LAT_RATES; do
    for obs in default unbuffered; do
      m=$(med default "lat.$rate.$obs.p99" ours)
      [[ -n $m ]] && echo "\"${rate}/s ${obs}\" $(med default "lat.$rate.$obs.p50" ours) $m $(med default "lat.$rate.$obs.p999" ours)" >>"$WORK/latency.dat"
    done
  done
  if [[ -s $WORK/latency.dat ]]; then
    mkdir -p "$img"
    gnuplot <<EOF
set terminal pngcairo noenhanced size 900,500
set output "$img/latency-percentiles.png"
set title "caf-nsqd end-to-end latency, 100 B messages (median of $REPS)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "microseconds"
set logscale y
set grid y
set xtics rotate by -15
plot "$WORK/latency.dat" using 2:xtic(1) title "p50", '' using 3 title "p99", '' using 4 title "p99.9"
EOF
  fi
}

# --- report ---------------------------------------------------------------------------------

section_body() {
  local commit=$COMMIT_BEFORE cpu build_type
  cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
  build_type=$(grep -o 'CMAKE_BUILD_TYPE:STRING=.*' "$BUILD/CMakeCache.txt" 2>/dev/null | sed 's/.*=//')
  echo "Written by \`$COMMAND_LINE\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$commit\`;"
  echo "${RUNFOR} s timed runs, median of $REPS$([[ $QUICK == 1 ]] && echo ", quick mode (fixed counts ÷ $COUNT_DIV)");"
  echo "$(nproc) CPUs ($cpu), Linux $(uname -r), caf-nsqd built ${build_type:-?};"
  echo "load average before the run: $LOAD_BEFORE. Loopback only; broker and load generator share the CPUs."
  if [[ -n $OTHER ]]; then
    echo "Other broker: \`$OTHER\` (\`--version\`: $OTHER_VERSION), run alternately with"
    echo "this build, each run on a fresh broker and data directory, the same caf-nsq-bench and flags."
  else
    echo "Go nsqd 1.3 figures: issue 11's side-by-side run on this machine kind (msg/s, broker CPU/msg)."
  fi
  [[ -n $SCALING ]] && echo "Scheduler threads: ${THREAD_COUNTS// /, } (caf-nsqd \`--scheduler-threads\`; other: \`GOMAXPROCS\`)."
  echo "Broker CPU/msg: user + system time of the whole broker process (its CPU-time clock:"
  echo "every thread, exited ones included) over the measured phase ÷ that phase's messages."
  [[ -z $HAVE_PYTHON3 ]] && echo "(No python3 here: read from /proc/<pid>/stat in clock ticks, 10 ms.)"
  echo "Publish + consume rows share one phase: the same CPU ÷ published, ÷ delivered."
  echo
  table
  echo
  if ((${#FAILS[@]})); then
    echo "Failed runs (left out of the medians):"
    echo
    printf -- '- %s\n' "${FAILS[@]}"
    echo
  fi
  if [[ -n $want_plots ]] && command -v gnuplot >/dev/null; then
    want sweep && echo "![throughput vs size](img/throughput-vs-size.png)" && echo
    want latency && echo "![latency percentiles](img/latency-percentiles.png)" && echo
  fi
  if [[ -n $PROFILE ]]; then profiles; fi
  echo "Commands (each broker: \`--tcp-address=127.0.0.1:0 --http-address=127.0.0.1:0"
  echo "--data-path=<fresh tmp dir>\` plus the flags named; caf-nsq-bench gets \`--nsqd-tcp-address\`):"
  echo
  commands
}

# profiles: the top symbols of each profiled phase (--profile).
profiles() {
  local f name t key who
  echo "Profiles (\`perf record -F 999 -g -p <broker>\` over the measured phase of one extra"
  echo "run; \`perf report --no-children --sort dso,symbol\`, entries ≥ 1.5 %):"
  echo
  for f in "$WORK"/profiles/*; do
    [[ -e $f ]] || continue
    IFS='|' read -r t key who <<<"$(basename "$f")"
    name="$key, $(label_of "$who")$(threads_label "$t")"
    echo "<details><summary>$name</summary>"
    echo
    echo '```text'
    cat "$f"
    echo '```'
    echo
    echo "</details>"
    echo
  done
}

# write_section <file>: replaces the marked section of OUT_MD with <file>.
write_section() {
  local body=$1 begin="<!-- bench/run.sh $SECTION: begin -->" end="<!-- bench/run.sh $SECTION: end -->"
  [[ -f $OUT_MD ]] || echo "# caf-nsqd performance" >"$OUT_MD"
  if grep -qF -- "$begin" "$OUT_MD" && grep -qF -- "$end" "$OUT_MD"; then
    awk -v b="$begin" -v e="$end" -v f="$body" '
      $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
      $0 == e { skip = 0 }
      !skip { print }' "$OUT_MD" >"$WORK/out.md"
  else
    { cat "$OUT_MD"; echo; echo "$begin"; cat "$body"; echo "$end"; } >"$WORK/out.md"
  fi
  cat "$WORK/out.md" >"$OUT_MD"
  echo "wrote section '$SECTION' of $OUT_MD" >&2
}

# --- main --------------------------------------------------------------------------------------

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# The tree as it was built and run: the plots this run writes into docs/img
# must not make it "uncommitted".
COMMIT_BEFORE=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] && COMMIT_BEFORE+=" plus uncommitted changes"
define_rows
for rep in $(seq "$REPS"); do
  for scen in $RUN; do
    for THREADS in $THREAD_COUNTS; do
      for WHO in $WHO_LIST; do
        echo "== $scen, run $rep/$REPS, $(label_of "$WHO")$(threads_label "$THREADS")" >&2
        "sc_${scen//-/_}"
      done
    done
  done
done
if [[ -n $PROFILE ]]; then
  PROFILING=1
  for scen in $RUN; do
    [[ " ${GROUPS_OF[throughput]} " == *" $scen "* ]] || continue
    for THREADS in $THREAD_COUNTS; do
      for WHO in $WHO_LIST; do
        echo "== $scen, profiled, $(label_of "$WHO")$(threads_label "$THREADS")" >&2
        "sc_${scen//-/_}"
      done
    done
  done
  PROFILING=""
fi
WHO=ours THREADS=default
[[ -n $want_plots ]] && plot
section_body >"$WORK/section.md"
write_section "$WORK/section.md"
