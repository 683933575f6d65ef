#!/usr/bin/env bash
# Cluster crash harness (docs/cluster.md "Failure"): three members with
# --mem-queue-size=0 --sync-every=1, nsqjs Writers on each, Readers through
# C, A and B; one member (sometimes two) SIGKILLed or SIGTERMed and
# restarted on its ports and data, or frozen, again and again. Fails unless
# every acknowledged message reached both channels, the channels end empty,
# no member crashed and every SIGTERM exited 0.
# Usage: scripts/cluster_soak.sh [seconds]   (default 45; needs build/caf-nsqd
#        and tests/interop/node_modules, i.e. after scripts/test.sh's setup)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-45}
binary=${NSQD_BINARY:-$PWD/build/caf-nsqd}
[[ -x $binary ]] || { echo "cluster soak: $binary not built" >&2; exit 1; }
NODE_PATH=$PWD/tests/interop/node_modules NSQD_BINARY=$binary \
  node scripts/soak/cluster_soak.js "$seconds"
