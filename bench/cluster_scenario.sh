# The cluster scenario of bench/run.sh (issue 12), sourced by it: three
# caf-nsqd nodes A, B, C on loopback in one cluster. Messages are published
# to A and B; consuming them all through C (its sessions attach to A's and
# B's channels across the middleman) is compared with consuming them directly
# from A and B, and the end-to-end latency of a message published on A is
# measured with the reader on C and on A (the difference is the hop).
# Only caf-nsqd clusters: with --compare the other binary gets no row.

CLUSTER_PIDS=()
CLUSTER_ADDRS=()
CLUSTER_DATA=()

# cluster_node <flags...>: starts one node (start_nsqd) and keeps its PID and
# address; the last one started is NSQD_PID/ADDR as usual.
cluster_node() {
  start_nsqd $BIG_QUEUE "$@"
  CLUSTER_PIDS+=("$NSQD_PID")
  CLUSTER_ADDRS+=("$ADDR")
  CLUSTER_DATA+=("$DATA")
}

# cluster_start: A, then B and C joining A (each its own --node-id, as a
# deployment gives: the default is derived from flags that are all :0 here);
# waits (bounded) until C sees both.
cluster_start() {
  local a_cluster="" log
  CLUSTER_PIDS=() CLUSTER_ADDRS=() CLUSTER_DATA=()
  cluster_node --cluster-address=127.0.0.1:0 --node-id=1
  a_cluster=$(grep -o 'CLUSTER: listening on 127.0.0.1:[0-9]*' "$DATA/nsqd.log" | head -1 |
    sed 's/.*on //')
  [[ -n $a_cluster ]] || die "cluster: node A did not publish its cluster address"
  cluster_node --cluster-address=127.0.0.1:0 --cluster-peer="$a_cluster" --node-id=2
  cluster_node --cluster-address=127.0.0.1:0 --cluster-peer="$a_cluster" --node-id=3
  log=$DATA/nsqd.log
  for _ in $(seq 1 300); do # at most 30 s
    (($(grep -c -- '-> alive' "$log") >= 2)) && return 0
    sleep 0.1
  done
  die "cluster: node C did not see A and B alive"
}

# plain_start: A and B as two ordinary brokers (no cluster): the baseline.
plain_start() {
  CLUSTER_PIDS=() CLUSTER_ADDRS=() CLUSTER_DATA=()
  cluster_node
  cluster_node
}

cluster_stop() {
  local pid
  for pid in "${CLUSTER_PIDS[@]}"; do
    NSQD_PID=$pid
    stop_nsqd
  done
  CLUSTER_PIDS=() CLUSTER_ADDRS=() CLUSTER_DATA=()
}

# at <node index> <bench args...>: caf-nsq-bench against that node.
at() {
  local i=$1
  shift
  ADDR=${CLUSTER_ADDRS[$i]} bench "$@"
}

# cluster_fill <messages per node> [pre]: MPUB 200 into topic t on A and on
# B; with "pre", topic t and channel c are created on both first.
cluster_fill() {
  if [[ ${2:-} == pre ]]; then
    local i
    for i in 0 1; do
      DATA=${CLUSTER_DATA[$i]} http_post "/topic/create?topic=t" &&
        DATA=${CLUSTER_DATA[$i]} http_post "/channel/create?topic=t&channel=c" || return 1
    done
  fi
  at 0 "$WORK/wa.log" writer "$FIXED" --messages="$1" --topic=t --size=200 --batch-size=200 &&
    at 1 "$WORK/wb.log" writer "$FIXED" --messages="$1" --topic=t --size=200 --batch-size=200
}
sc_cluster() {
  [[ $WHO == ours ]] || return 0
  # As a consumer meets a backlog: channel c is made by the reader's SUB
  # (the topic then hands it its messages), and with the channels created
  # before the fill, so both ways only consume (docs/performance.md).
  cluster_direct cluster ""
  cluster_via cluster ""
  cluster_direct cluster.pre pre
  cluster_via cluster.pre pre
  cluster_latency 0 direct
  cluster_latency 2 via
}
# cluster_direct <key prefix> [pre]: A and B without a cluster, one reader on
# each at once (in a cluster each would take the other's messages too).
cluster_direct() {
  local key=$1 pre=$2 half=$((CLUSTER_N / 2)) rpid ok=1
  plain_start
  if cluster_fill "$half" "$pre"; then
    at 0 "$WORK/ra.log" reader "$FIXED" --messages="$half" --topic=t --channel=c --rdy=2500 &
    rpid=$!
    at 1 "$WORK/rb.log" reader "$FIXED" --messages="$half" --topic=t --channel=c --rdy=2500 || ok=""
    wait "$rpid" || ok=""
    if [[ -n $ok ]]; then
      # Both messages over the longer of the two runs (they start together):
      # a sum of the two rates would count the time after the first reader
      # finished (the other then has both cores) twice.
      put "$key.direct" "$(awk -v n="$((2 * half))" -v a="$(seconds_of "$WORK/ra.log")" \
        -v b="$(seconds_of "$WORK/rb.log")" 'BEGIN {printf "%.0f", n / (a > b ? a : b)}')"
    else
      failed "$key direct" "$WORK/rb.log"
    fi
  else
    failed "$key fill" "$WORK/wb.log"
  fi
  cluster_stop
}
# cluster_via <key prefix> [pre]: one reader on C gets A's and B's messages;
# the ratio is against the direct run just before.
cluster_via() {
  local key=$1 pre=$2 half=$((CLUSTER_N / 2))
  cluster_start
  if cluster_fill "$half" "$pre"; then
    if at 2 "$WORK/rc.log" reader --runfor=180s --messages="$CLUSTER_N" --topic=t --channel=c \
      --rdy=2500; then
      local via direct
      via=$(ops_of "$WORK/rc.log")
      put "$key.via" "$via"
      direct=$(vals "$THREADS" "$key.direct" "$WHO" | awk '{print $NF}')
      [[ -n $direct ]] && put "$key.ratio" "$(awk -v v="$via" -v d="$direct" \
        'BEGIN {printf "%.0f", 100 * v / d}')"
    else
      failed "$key through C" "$WORK/rc.log"
    fi
  else
    failed "$key fill" "$WORK/wb.log"
  fi
  cluster_stop
}
# cluster_latency <reader node> <key>: e2e latency at 1,000 msg/s of 100 B
# messages published on A, read on the given node (RDY 2500 split by C).
# Read on A, the cluster is off (A's own reader, no remote channels).
cluster_latency() {
  local node=$1 key=$2 rpid
  if ((node == 0)); then plain_start; else cluster_start; fi
  at "$node" "$WORK/r.log" reader --runfor=$((RUNFOR + 1))s --topic=lat --channel=c \
    --connections=1 --size=100 --output-buffer-size=-1 &
  rpid=$!
  sleep 1
  at 0 "$WORK/w.log" $W --topic=lat --size=100 --batch-size=1 --connections=1 --rate=1000 \
    --timestamps || true
  if wait "$rpid" && [[ -n $(pct_of "$WORK/r.log" p99) ]]; then
    put "cluster.lat.$key.p50" "$(pct_of "$WORK/r.log" p50)"
    put "cluster.lat.$key.p99" "$(pct_of "$WORK/r.log" p99)"
  else
    failed "cluster latency ($key)" "$WORK/r.log"
  fi
  cluster_stop
}

# seconds_of <reader log>: the duration the reader reports, in seconds.
seconds_of() {
  grep -o 'duration: [0-9.]*[mu]*s' "$1" | head -1 | awk '{
    v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[mu]*s$/, "", v)
    if (unit == "ms") v /= 1e3; else if (unit == "us") v /= 1e6
    print v }'
}

# define_cluster_rows: the scenario's rows (called by define_rows).
define_cluster_rows() {
  local k=$((CLUSTER_N / 1000))k
  def cluster cluster.via rate "cluster: consume $k × 200 B published on A and B, through C (RDY 2500)" \
    "—" "" "3 nodes; caf-nsq-bench writer to A and to B; caf-nsq-bench reader --messages=$CLUSTER_N on C"
  def cluster cluster.direct rate "… the same consumed directly from A and B without a cluster (a reader on each)" "—" "" \
    "caf-nsq-bench reader --messages=$((CLUSTER_N / 2)) on A and on B at once (all messages / the longer run)"
  def cluster cluster.ratio pct "… through C as a share of direct (each run against the direct run before it)" \
    "—" ">=70" "cluster.via / cluster.direct"
  def cluster cluster.pre.via rate "cluster, channel c created on A and B before the fill: consume through C" \
    "—" "" "as above, after POST /channel/create?topic=t&channel=c on A and B"
  def cluster cluster.pre.direct rate "… the same consumed directly from A and B" "—" "" \
    "as above, after POST /channel/create?topic=t&channel=c on A and B"
  def cluster cluster.pre.ratio pct "… through C as a share of direct" "—" ">=70" \
    "cluster.pre.via / cluster.pre.direct"
  local key what
  for key in direct via; do
    what="read on A (no cluster)"
    [[ $key == via ]] && what="read on C (one hop)"
    def cluster "cluster.lat.$key.p50" us "e2e latency p50, 1k msg/s published on A, $what" "—" "" \
      "caf-nsq-bench reader --output-buffer-size=-1 & caf-nsq-bench $W --rate=1000 --batch-size=1 --timestamps"
    def cluster "cluster.lat.$key.p99" us "… p99" "—" "" "the same run"
  done
}
