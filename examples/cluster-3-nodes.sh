#!/bin/sh
# Starts a 3-node caf-nsqd cluster on loopback (docs/cluster.md): A alone,
# B joins A, C joins B (and learns A from B). Ports: TCP 4150/4250/4350,
# HTTP 4151/4251/4351, cluster 4170/4270/4370. Data in ./cluster-data/.
# Ctrl-C stops all three. Usage: examples/cluster-3-nodes.sh [path/to/caf-nsqd]
#
# Without the --cluster-tls-* flags the cluster port is unauthenticated:
# anyone who reaches it controls the node. Keep it on loopback or a private
# network, or add TLS (docs/cluster.md, "Security").
set -eu
BIN=${1:-./build/caf-nsqd}
DATA=${DATA:-./cluster-data}
mkdir -p "$DATA/a" "$DATA/b" "$DATA/c"

PIDS=""
node() { # name tcp http cluster [peer]
  peer=${5:+--cluster-peer=127.0.0.1:$5}
  "$BIN" --data-path="$DATA/$1" --broadcast-address=127.0.0.1 \
    --tcp-address=127.0.0.1:$2 --http-address=127.0.0.1:$3 \
    --cluster-address=127.0.0.1:$4 $peer >/dev/null 2>"$DATA/$1.log" &
  PIDS="$PIDS $!"
}

trap 'kill $PIDS 2>/dev/null; wait' INT TERM EXIT
node a 4150 4151 4170
node b 4250 4251 4270 4170
node c 4350 4351 4370 4270

sleep 2
for port in 4151 4251 4351; do
  echo "--- GET http://127.0.0.1:$port/cluster"
  curl -s "http://127.0.0.1:$port/cluster"
  echo
done
echo "logs in $DATA/*.log; Ctrl-C stops the cluster"
wait
