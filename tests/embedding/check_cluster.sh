#!/usr/bin/env bash
# examples/embedded.cpp joining a real caf-nsqd's cluster over loopback (free
# ports: every listener binds port 0 and the log says which): GET /cluster on
# caf-nsqd must list the example as an alive member (no TCP/HTTP port: 0), and
# the example must see caf-nsqd alive. Bounded: 20 s of polling at most.
# Usage: check_cluster.sh <caf-nsqd binary> <example-embedded binary>
set -euo pipefail
nsqd=$1
example=$2
work=$(mktemp -d)
nsqd_pid= example_pid=
cleanup() { # never stops early (set -e): a broker left running holds ctest's pipe
  if [[ -n $example_pid ]]; then kill -9 "$example_pid" 2>/dev/null || true; fi
  if [[ -n $nsqd_pid ]]; then kill -9 "$nsqd_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.log; do echo "== $f" >&2; cat "$f" >&2; done
  exit 1
}
wait_for() { # <file> <regex>: up to 10 s
  for _ in $(seq 100); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

mkdir "$work/data"
"$nsqd" --tcp-address=127.0.0.1:0 --http-address=127.0.0.1:0 --data-path="$work/data" \
  --broadcast-address=127.0.0.1 --cluster-address=127.0.0.1:0 2>"$work/nsqd.log" &
nsqd_pid=$!
wait_for "$work/nsqd.log" 'CLUSTER: listening on 127.0.0.1:[0-9]+' || fail "caf-nsqd did not start"
wait_for "$work/nsqd.log" 'HTTP: listening on 127.0.0.1:[0-9]+' || fail "caf-nsqd has no HTTP"
cluster_port=$(grep -oE 'CLUSTER: listening on 127.0.0.1:[0-9]+' "$work/nsqd.log" | grep -oE '[0-9]+$')
http_port=$(grep -oE 'HTTP: listening on 127.0.0.1:[0-9]+' "$work/nsqd.log" | grep -oE '[0-9]+$')

"$example" --cluster-address=127.0.0.1:0 --cluster-peer=127.0.0.1:"$cluster_port" \
  --linger=30 >"$work/example.log" 2>"$work/example-err.log" &
example_pid=$!
wait_for "$work/example.log" '^cluster: member .* alive$' || fail "the example saw no alive member"
grep -qxF "cluster: member 127.0.0.1:$(grep -oE 'TCP: listening on 127.0.0.1:[0-9]+' \
  "$work/nsqd.log" | grep -oE '[0-9]+$')@127.0.0.1:$cluster_port alive" "$work/example.log" ||
  fail "the example does not list caf-nsqd alive"
me=$(sed -n 's/^cluster: I am //p' "$work/example.log")
[[ $me =~ ^127\.0\.0\.1:0@127\.0\.0\.1:[0-9]+$ ]] || fail "unexpected example identity '$me'"

# caf-nsqd's view: the example alive, without TCP or HTTP port.
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$http_port/cluster" >"$work/cluster.json" || true
  python3 - "$work/cluster.json" "$me" <<'PY' && break
import json, sys
view = json.load(open(sys.argv[1]))
ok = [m for m in view["members"] if m["id"] == sys.argv[2] and m["state"] == "alive"
      and m["tcp_port"] == 0 and m["http_port"] == 0]
sys.exit(0 if ok else 1)
PY
  sleep 0.1
done
python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); sys.exit(0 if any(m["id"]==sys.argv[2] and m["state"]=="alive" for m in v["members"]) else 1)' \
  "$work/cluster.json" "$me" || fail "GET /cluster does not list $me alive: $(cat "$work/cluster.json")"
echo "GET /cluster lists $me alive"

# SIGTERM ends the example's linger; it leaves cleanly.
kill -TERM "$example_pid"
wait "$example_pid" || fail "the example exited with $?"
example_pid=
grep -qx bye "$work/example.log" || fail "the example did not shut down cleanly"
kill -TERM "$nsqd_pid"
wait "$nsqd_pid" || fail "caf-nsqd exited with $?"
nsqd_pid=
echo "embedded cluster member: OK"
